// The seat plan's columns and the gap rule, for the seat picker. The rule is the server's
// (services/booking/seat_gaps.py), applied here so that the customer sees the lone seat while
// choosing; the hold checks it again and its answer is the one that counts.

// A seat row: id, label, row, number, grid row, grid column, category, price (paise), wheelchair.
export const ID = 0, LABEL = 1, ROW = 2, NUMBER = 3, GRID_ROW = 4, GRID_COL = 5, CATEGORY = 6;
export const PRICE = 7, WHEELCHAIR = 8;

// Free ordinary seats side by side: split by taken seats, aisles and wheelchair spaces.
function freeRuns(row, isTaken) {
  const runs = [];
  let current = [];
  let previousCol = null;
  for (const seat of row) {
    const usable = !isTaken(seat) && !seat[WHEELCHAIR];
    const adjacent = previousCol !== null && seat[GRID_COL] === previousCol + 1;
    if (current.length && !(usable && adjacent)) {
      runs.push(current);
      current = [];
    }
    if (usable) current.push(seat);
    previousCol = seat[GRID_COL];
  }
  if (current.length) runs.push(current);
  return runs;
}

// Seats beside a wheelchair space still free after the choice: kept for a companion.
function companionsOf(row, isTaken, chosen) {
  const byCol = new Map(row.map((seat) => [seat[GRID_COL], seat]));
  const found = new Set();
  for (const seat of row) {
    if (seat[WHEELCHAIR] && !isTaken(seat) && !chosen.has(seat[ID])) {
      for (const col of [seat[GRID_COL] - 1, seat[GRID_COL] + 1]) {
        if (byCol.has(col)) found.add(byCol.get(col)[ID]);
      }
    }
  }
  return found;
}

function strandedInRun(run, chosen, companions) {
  const picked = run.map((seat) => chosen.has(seat[ID]));
  const lonely = run.find(
    (seat, i) =>
      !picked[i] &&
      !companions.has(seat[ID]) &&
      (i === 0 || picked[i - 1]) &&
      (i === run.length - 1 || picked[i + 1]),
  );
  if (!lonely) return null;
  // With one seat to spare every choice leaves one alone: fine, unless it could have been the
  // companion seat at an end of the run.
  const spare = run.length - picked.filter(Boolean).length;
  const companionAtEnd = companions.has(run[0][ID]) || companions.has(run[run.length - 1][ID]);
  return spare === 1 && !companionAtEnd ? null : lonely;
}

// The first seat (in map order) the choice would leave on its own, or null. `rows` are the
// plan's rows, each in column order; `isTaken(seat)` says whether a seat cannot be bought now.
export function strandedSeat(rows, isTaken, chosen) {
  for (const row of rows) {
    if (!row.some((seat) => chosen.has(seat[ID]))) continue; // only a choice strands a seat
    const companions = companionsOf(row, isTaken, chosen);
    for (const run of freeRuns(row, isTaken)) {
      const found = strandedInRun(run, chosen, companions);
      if (found) return found;
    }
  }
  return null;
}
