// Prints, for every row of a CSV file, what RDKit MinimalLib (the browser's RDKit) computes:
// Morgan r=2 2048-bit fingerprint, 2D descriptors and InChIKey, as one JSON line per row.
// Used by the server's parity test to prove the browser and the server featurize alike.
//   node minimallib_features.mjs FILE.csv SMILES_COLUMN
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
