// Prints, for every row of a CSV file, RDKit MinimalLib's JSON of the molecule (get_json(),
// what the browser builds its message-passing graphs from), as one JSON line per row:
// {"row": LINE, "ok": true, "json": "..."} or {"row": LINE, "ok": false}.
// Used by the server's graph parity test.
//   node minimallib_graphs.mjs FILE.csv SMILES_COLUMN
import { createRequire } from 'node:module';
import { readCsvColumn } from './csv.mjs';

const require = createRequire(import.meta.url);
const initRDKitModule = require('@rdkit/rdkit');

const [file, column] = process.argv.slice(2);
const { rows, col } = readCsvColumn(file, column);
const RDKit = await initRDKitModule();
const out = [];
for (const { line, fields } of rows) {
  const smiles = (fields[col] || '').trim();
  let mol = null;
  try { mol = RDKit.get_mol(smiles); } catch { mol = null; }
  if (!mol || !mol.is_valid()) {
    mol?.delete();
    out.push(JSON.stringify({ row: line, ok: false }));
    continue;
  }
  try {
    out.push(JSON.stringify({ row: line, ok: true, json: mol.get_json() }));
  } finally {
    mol.delete();
  }
}
process.stdout.write(out.join('\n') + '\n');
