// SPDX-License-Identifier: Apache-2.0
// The sequencer's batch transaction, retried by db_transaction after a serialization failure,
// logs the batch once and keeps leading: the failed attempt's appends to the in-memory tree
// edge are undone, so the retry is not mistaken for another writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProvd, createApiKey, createLogKey, freshDatabase, newEd25519Signer, signedItem, http,
  sql, sqlRows,
} from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a batch retried after a serialization failure is logged once, without "another writer"', async () => {
  const dbUrl = freshDatabase();
  const token = createApiKey(dbUrl);
  const api = await startProvd({ dbUrl });
  const signer = await newEd25519Signer();
  const items = [];
  for (let i = 0; i < 300; i++) items.push(await signedItem(signer, { n: i }));
  assert.equal((await http(api.base, 'POST', '/v1/items/batch', { body: { items }, token })).status, 200);
  // The batch's first checkpoint insert fails as a concurrent transaction would make it fail (40001),
  // after the batch's entries and tiles went in; db_transaction then runs the batch again.
  sql(dbUrl, `CREATE SEQUENCE fail_once;
    CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.tree_size > 0 THEN -- not the empty log's checkpoint, published on taking the lead
        IF nextval('fail_once') = 1 THEN
          RAISE EXCEPTION 'injected' USING ERRCODE = 'serialization_failure';
        END IF;
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER fail_once BEFORE INSERT ON log_checkpoints FOR EACH ROW EXECUTE FUNCTION fail_once();`);
  const worker = await startProvd({ dbUrl, command: 'worker', logKey: createLogKey('retry.provd.test/log') });
  const deadline = Date.now() + 20000;
  while (sqlRows(dbUrl, 'SELECT count(*) FROM log_entries')[0] !== '300' && Date.now() < deadline) await sleep(50);
  await sleep(300);
  await worker.stop();
  await api.stop();
  const logs = worker.logs();
  assert.equal(sqlRows(dbUrl, 'SELECT last_value FROM fail_once')[0], '2', 'the batch ran twice');
  assert.doesNotMatch(logs, /another writer|ERROR/, logs);
  assert.equal(logs.match(/leading log/g).length, 1, 'leadership was kept');
  assert.match(logs, /retrying a batch at tree size 0/);
  assert.deepEqual(sqlRows(dbUrl, 'SELECT tree_size FROM log_state'), ['300']);
  assert.deepEqual(sqlRows(dbUrl, 'SELECT count(*), min(log_index), max(log_index) FROM log_entries'), ['300|0|299']);
  assert.deepEqual(sqlRows(dbUrl, 'SELECT tree_size FROM log_checkpoints ORDER BY tree_size'), ['0', '300']);
});
