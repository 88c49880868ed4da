// The seat picker's dealings with the server and its plan: the plan fetched once per address
// and shared by every map, money as the customer reads it, Proceed's request, and the plan's
// layout (rows, category bands, where the arrow keys lead).
import {
  CATEGORY,
  GRID_COL,
  GRID_ROW,
  NUMBER,
  PRICE,
  ROW,
  WHEELCHAIR,
} from "./seat_rules.js";

const plans = new Map(); // seat-plan address → promise of the plan, shared by every map

export function loadPlan(url) {
  if (!plans.has(url)) {
    const request = fetch(url, { credentials: "same-origin" })
      .then((answer) => {
        if (!answer.ok) throw new Error(`seat plan: ${answer.status}`);
        return answer.json();
      })
      .catch((error) => {
        plans.delete(url);
        throw error;
      });
    plans.set(url, request);
  }
  return plans.get(url);
}

export function money(symbol, paise) {
  const whole = Math.floor(paise / 100);
  const fraction = paise % 100;
  const cents = fraction ? "." + String(fraction).padStart(2, "0") : "";
  return symbol + whole.toLocaleString("en-IN") + cents;
}

export const HOLD_FAILED = "We could not hold your seats just now; nothing was booked. Please try again.";

// Proceed: the server's answer as {go} (an address to go to) or {error, taken}.
export async function requestHold(url, seatIds) {
  try {
    const answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ seat_ids: seatIds }),
    });
    const body = await answer.json().catch(() => ({}));
    if (answer.ok) return { go: body.checkout };
    if (body.sign_in) return { go: body.sign_in };
    const taken = [...(body.taken || []), ...(body.unavailable || [])];
    return { error: body.error || HOLD_FAILED, taken, alone: body.alone };
  } catch (_) {
    return { error: HOLD_FAILED, taken: [] };
  }
}

// What a status letter means, and a seat as a screen reader names it.
export const WORDS = {
  a: "available",
  h: "held by someone else",
  s: "sold",
  b: "not for sale",
  m: "held by you",
};

export function describe(seat, symbol) {
  const price = seat[PRICE] ? `, ${money(symbol, seat[PRICE])}` : "";
  const wheelchair = seat[WHEELCHAIR] ? ", wheelchair space" : "";
  return `Row ${seat[ROW]}, seat ${seat[NUMBER]}, ${seat[CATEGORY]}${price}${wheelchair}`;
}

// Category bands: a line naming the category and its price ("RECLINER ₹450") above the first
// row of each block of rows of one category. Each band takes a grid row of its own, so the
// plan's rows move down by the bands above them (`shown`).
export function categoryBands(rows, prices) {
  const bands = [];
  const shift = new Map();
  let previous = null;
  for (const row of rows) {
    const counts = new Map();
    row.forEach((seat) => counts.set(seat[CATEGORY], (counts.get(seat[CATEGORY]) || 0) + 1));
    const category = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    if (category !== previous) {
      bands.push([row[0][GRID_ROW] + bands.length, category, prices[category]]);
      previous = category;
    }
    shift.set(row[0][GRID_ROW], bands.length);
  }
  return {
    bands: bands.map(([gridRow, category, price]) => [
      gridRow,
      price ? `${category.toUpperCase()} ${price}` : category.toUpperCase(),
    ]),
    shown: (gridRow) => gridRow + (shift.get(gridRow) || 0),
    lastColumn: Math.max(1, ...rows.flat().map((seat) => seat[GRID_COL])),
  };
}


// The plan's seats by row (in row order), each row in column order.
export function rowsOf(seats) {
  const byRow = new Map();
  seats.forEach((seat) => {
    if (!byRow.has(seat[GRID_ROW])) byRow.set(seat[GRID_ROW], []);
    byRow.get(seat[GRID_ROW]).push(seat);
  });
  return [...byRow.keys()]
    .sort((a, b) => a - b)
    .map((row) => byRow.get(row).sort((a, b) => a[GRID_COL] - b[GRID_COL]));
}

// Where a key moves the keyboard's place on the map: along the row, to the nearest seat of the
// row in front or behind, Home and End to the row's ends; undefined for any other key.
export function seatAfterKey(rows, seat, key) {
  const r = rows.findIndex((row) => row[0][GRID_ROW] === seat[GRID_ROW]);
  const c = rows[r].indexOf(seat);
  const nearest = (row) =>
    row.reduce((best, other) =>
      Math.abs(other[GRID_COL] - seat[GRID_COL]) < Math.abs(best[GRID_COL] - seat[GRID_COL])
        ? other
        : best,
    );
  return {
    ArrowLeft: rows[r][c - 1],
    ArrowRight: rows[r][c + 1],
    ArrowUp: r > 0 ? nearest(rows[r - 1]) : undefined,
    ArrowDown: r < rows.length - 1 ? nearest(rows[r + 1]) : undefined,
    Home: rows[r][0],
    End: rows[r][rows[r].length - 1],
  }[key];
}
