// Prints, for every row of a CSV file, what RDKit MinimalLib (the browser's RDKit) computes:
// Morgan r=2 2048-bit fingerprint, 2D descriptors and InChIKey, as one JSON line per row.
// Used by the server's parity test to prove the browser and the server featurize alike.
//   node minimallib_features.mjs FILE.csv SMILES_COLUMN
import { printMolecules } from './rows.mjs';

const [file, column] = process.argv.slice(2);
await printMolecules(file, column, (mol, RDKit) => {
  const fp = mol.get_morgan_fp(JSON.stringify({ radius: 2, nBits: 2048 }));
  const desc = JSON.parse(mol.get_descriptors());
  let inchikey = '';
  try { inchikey = RDKit.get_inchikey_for_inchi(mol.get_inchi()); } catch { inchikey = ''; }
  return { fp, desc, inchikey };
});
