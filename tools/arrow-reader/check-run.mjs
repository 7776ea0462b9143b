// Checks a run's output directory with the independent JavaScript Arrow reader:
//   node check-run.mjs DIR EXPECTED_ROWS
// Every column of the output schema (README, Output) with its type, a model on every LLM turn, EXPECTED_ROWS rows, unique ids, valid statuses,
// a manifest whose counts agree with the rows. Exits 1 with one line per problem.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';

const [dir, expectedText] = process.argv.slice(2);
if (!dir || !expectedText) {
  console.error('usage: node check-run.mjs DIR EXPECTED_ROWS');
  process.exit(2);
}
const expected = Number(expectedText);
const problems = [];
const parts = readdirSync(dir).filter((f) => /^part-\d+-\d+\.arrow$/.test(f)).sort();
if (parts.length === 0) problems.push(`no part files in ${dir}`);

const required = {
  id: 'Utf8', trial: 'Int32', scenario: 'Utf8', status: 'Utf8', reason: 'Utf8', error: 'Utf8',
  messages: 'List<Struct<{agent:Utf8, role:Utf8, content:Utf8, tool_calls:Utf8, prompt_tokens:Int32, completion_tokens:Int32, reasoning:Utf8, finish_reason:Utf8, model:Utf8}>>',
  prompt_tokens: 'Int64', completion_tokens: 'Int64',
};
const ids = new Set();
let rows = 0;
const statuses = {};
for (const part of parts) {
  const table = tableFromIPC(readFileSync(join(dir, part)));
  for (const [name, type] of Object.entries(required)) {
    const field = table.schema.fields.find((f) => f.name === name);
    if (!field) problems.push(`${part}: column ${name} is missing`);
    else if (String(field.type) !== type) {
      problems.push(`${part}: column ${name} has type ${field.type}, expected ${type}`);
    }
  }
  for (const row of table) {
    rows++;
    if (ids.has(row.id)) problems.push(`${part}: duplicate id ${row.id}`);
    ids.add(row.id);
    statuses[row.status] = (statuses[row.status] ?? 0) + 1;
    if (!['success', 'filtered', 'failed'].includes(row.status)) problems.push(`${part}: row ${row.id} has status ${row.status}`);
    if (row.status === 'success' && (row.messages?.length ?? 0) === 0) problems.push(`${part}: row ${row.id} succeeded with no messages`);
    for (const m of row.messages ?? []) {
      // A turn with completion tokens came from an LLM call: the server (real or simulated) named the model.
      if (m.completion_tokens > 0 && (m.model ?? '') === '') problems.push(`${part}: row ${row.id} has an LLM turn of ${m.agent} without a model`);
    }
  }
}
if (rows !== expected) problems.push(`expected ${expected} rows, read ${rows}`);
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const counted = (manifest.tasks.success ?? 0) + (manifest.tasks.filtered ?? 0) + (manifest.tasks.failed ?? 0);
if (counted !== rows) problems.push(`manifest counts ${counted} tasks, parts hold ${rows} rows`);

if (problems.length > 0) {
  for (const p of problems.slice(0, 20)) console.error(p);
  process.exit(1);
}
console.log(`ok: ${parts.length} parts, ${rows} rows, ${ids.size} unique ids, ${JSON.stringify(statuses)}`);
