// What both MinimalLib parity scripts share: CSV reading (RFC 4180 quoting, CRLF or LF, a BOM;
// each row keeps the line it starts on, so the C++ side can match rows by line number) and the
// loop that parses each row's SMILES with MinimalLib and prints one JSON line per row.
import fs from 'node:fs';
import { createRequire } from 'node:module';

export function splitCsv(text) {
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

// The data rows of FILE and the index of COLUMN in them; exits with 2 when the column is missing.
export function readCsvColumn(file, column) {
  const rows = splitCsv(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  const col = rows[0].fields.findIndex((h) => h.trim() === column);
  if (col < 0) { console.error(`column ${column} not found`); process.exit(2); }
  return { rows: rows.slice(1), col };
}

// For every row of FILE: {"row": LINE, "ok": false} when MinimalLib cannot parse the SMILES in
// COLUMN, else {"row": LINE, "ok": true, ...describe(mol, RDKit)}; printed as JSON lines.
export async function printMolecules(file, column, describe) {
  const require = createRequire(import.meta.url);
  const initRDKitModule = require('@rdkit/rdkit');
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
      out.push(JSON.stringify({ row: line, ok: true, ...describe(mol, RDKit) }));
    } finally {
      mol.delete();
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}
