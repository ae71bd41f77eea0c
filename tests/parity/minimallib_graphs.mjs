// Prints, for every row of a CSV file, RDKit MinimalLib's JSON of the molecule (get_json(),
// what the browser builds its message-passing graphs from), as one JSON line per row:
// {"row": LINE, "ok": true, "json": "..."} or {"row": LINE, "ok": false}.
// Used by the server's graph parity test.
//   node minimallib_graphs.mjs FILE.csv SMILES_COLUMN
import { printMolecules } from './rows.mjs';

const [file, column] = process.argv.slice(2);
await printMolecules(file, column, (mol) => ({ json: mol.get_json() }));
