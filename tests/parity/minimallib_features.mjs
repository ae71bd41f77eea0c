// Prints, for every row of a CSV file, what RDKit MinimalLib (the browser's RDKit) computes:
// Morgan r=2 2048-bit fingerprint, 2D descriptors and InChIKey, as one JSON line per row.
// Used by the server's parity test to prove the browser and the server featurize alike.
//   node minimallib_features.mjs FILE.csv SMILES_COLUMN
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const initRDKitModule = require('@rdkit/rdkit');

function splitCsv(text) {
  const rows = [];
  let row = [], field = '', inQuotes = false, line = 1, rowLine = 1, any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else inQuotes = false; }
      else { if (c === '\n') line++; field += c; }
    } else if (c === '"') { inQuotes = true; any = true; }
    else if (c === ',') { row.push(field); field = ''; any = true; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (any || field) { row.push(field); rows.push({ line: rowLine, fields: row }); }
      row = []; field = ''; any = false; line++; rowLine = line;
    } else { field += c; any = true; }
  }
  if (any || field) { row.push(field); rows.push({ line: rowLine, fields: row }); }
  return rows;
}

const [file, column] = process.argv.slice(2);
const rows = splitCsv(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
const col = rows[0].fields.findIndex((h) => h.trim() === column);
if (col < 0) { console.error(`column ${column} not found`); process.exit(2); }
const RDKit = await initRDKitModule();
const out = [];
for (const { line, fields } of rows.slice(1)) {
  const smiles = (fields[col] || '').trim();
  let mol = null;
  try { mol = RDKit.get_mol(smiles); } catch { mol = null; }
  if (!mol || !mol.is_valid()) {
    mol?.delete();
    out.push(JSON.stringify({ row: line, ok: false }));
    continue;
  }
  try {
    const fp = mol.get_morgan_fp(JSON.stringify({ radius: 2, nBits: 2048 }));
    const desc = JSON.parse(mol.get_descriptors());
    let inchikey = '';
    try { inchikey = RDKit.get_inchikey_for_inchi(mol.get_inchi()); } catch { inchikey = ''; }
    out.push(JSON.stringify({ row: line, ok: true, fp, desc, inchikey }));
  } finally {
    mol.delete();
  }
}
process.stdout.write(out.join('\n') + '\n');
