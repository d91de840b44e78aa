-- SPDX-License-Identifier: Apache-2.0
-- An empty log has a checkpoint: the sequencer publishes tree size 0 (root SHA-256 of the empty
-- string) when it first leads a log without one, so the checkpoint and the log's key can be read
-- (and a witness can start from size 0) before the first registration.
ALTER TABLE log_checkpoints DROP CONSTRAINT log_checkpoints_tree_size_check;
ALTER TABLE log_checkpoints ADD CONSTRAINT log_checkpoints_tree_size_check CHECK (tree_size >= 0);
