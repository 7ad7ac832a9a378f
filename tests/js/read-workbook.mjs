// Reads an Excel workbook (or a CSV file) with ExcelJS (pinned in package-lock.json), a reader
// that shares no code with the server's writer. Usage: node tests/js/read-workbook.mjs FILE.xlsx|FILE.csv
// Prints one JSON object: every worksheet's name and rows, each cell as JSON (numbers stay
// numbers, empty cells are null).
import ExcelJS from "exceljs";

const [file] = process.argv.slice(2);
const workbook = new ExcelJS.Workbook();
if (file.endsWith(".csv")) {
  // Values as written: no number or date guessing beyond what a spreadsheet would do.
  await workbook.csv.readFile(file, { parserOptions: { delimiter: "," } });
} else {
  await workbook.xlsx.readFile(file);
}
const sheets = [];
workbook.eachSheet((sheet) => {
  const rows = [];
  for (let r = 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells = [];
    for (let c = 1; c <= sheet.columnCount; c++) {
      const value = row.getCell(c).value;
      cells.push(value === undefined ? null : value);
    }
    rows.push(cells);
  }
  sheets.push({ name: sheet.name, frozen: sheet.views?.[0]?.state === "frozen", rows });
});
process.stdout.write(JSON.stringify({ sheets }));
