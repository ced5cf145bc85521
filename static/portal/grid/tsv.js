// Tab-separated text as spreadsheets put it on the clipboard (Excel, Google Sheets, LibreOffice).
// A cell holding a tab, a line break or a quote is written in double quotes, quotes doubled.

export function parseTsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  const source = String(text || "").replace(/\r\n?/g, "\n");
  while (i < source.length) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i += 1; continue; }
      cell += ch; i += 1; continue;
    }
    if (ch === '"' && cell === "") { quoted = true; i += 1; continue; }
    if (ch === "\t") { row.push(cell); cell = ""; i += 1; continue; }
    if (ch === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i += 1; continue; }
    cell += ch; i += 1;
  }
  if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

export function toTsv(rows) {
  const quote = (value) => {
    const text = value == null ? "" : String(value);
    return /[\t\n\r"]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  };
  return rows.map((row) => row.map(quote).join("\t")).join("\n");
}
