-- SPDX-License-Identifier: Apache-2.0
-- The number of broadcast attempts of each anchor, kept on the anchor: db_anchor_add_attempt
-- adds one in the statement that inserts the attempt, so every read of an anchor (receipts,
-- GET /v1/anchors, the event feed) shows the count without counting anchor_attempts. The count
-- was a correlated subquery in each of those reads, about a quarter of a receipt's statement.
ALTER TABLE anchors ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0);
UPDATE anchors a SET attempts = (SELECT count(*) FROM anchor_attempts t WHERE t.anchor_id = a.id)
WHERE EXISTS (SELECT 1 FROM anchor_attempts t WHERE t.anchor_id = a.id);
