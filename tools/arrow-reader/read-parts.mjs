// Reads every part-*.arrow (Arrow IPC stream) in a directory with the JavaScript Arrow library, an
// implementation independent of the C# writer, and prints ONE JSON object:
//   { "files": n, "rows": n, "schema": [{ "name", "type" }], "records": [ {column: value, ...} ] }
// Lists come out as arrays, structs as objects, 64-bit integers as Numbers (exact below 2^53).
//   node read-parts.mjs DIR
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node read-parts.mjs DIR');
  process.exit(2);
}

let names;
try {
  names = readdirSync(dir).filter((f) => /^part-.*\.arrow$/.test(f)).sort();
} catch (e) {
  console.error(`cannot list ${dir}: ${e.message}`);
  process.exit(2);
}

// Arrow JS hands back bigints, Vectors (lists), StructRows and typed arrays; JSON needs plain values.
function toPlain(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value)) return Array.from(value, toPlain);
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value.toArray === 'function' && value.type !== undefined) return Array.from(value.toArray(), toPlain);
  if (typeof value.toJSON === 'function') {
    const json = value.toJSON();
    const out = {};
    for (const [k, v] of Object.entries(json)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

let schema = null;
const records = [];
for (const name of names) {
  let table;
  try {
    table = tableFromIPC(readFileSync(join(dir, name)));
  } catch (e) {
    console.error(`cannot read ${name}: ${e.message}`);
    process.exit(1);
  }
  if (schema === null) {
    schema = table.schema.fields.map((f) => ({ name: f.name, type: String(f.type) }));
  }
  const fields = table.schema.fields.map((f) => f.name);
  const columns = fields.map((f) => table.getChild(f));
  for (let i = 0; i < table.numRows; i++) {
    const record = {};
    for (let c = 0; c < fields.length; c++) record[fields[c]] = toPlain(columns[c].get(i));
    records.push(record);
  }
}

process.stdout.write(JSON.stringify({ files: names.length, rows: records.length, schema: schema ?? [], records }));
process.stdout.write('\n');
