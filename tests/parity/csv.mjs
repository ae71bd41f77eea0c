// The CSV reading both MinimalLib parity scripts share: RFC 4180 quoting, CRLF or LF, a BOM;
// each row keeps the line it starts on, so the C++ side can match rows by line number.
import fs from 'node:fs';

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
