// The seat picker: draws a showtime's seat plan (fetched once from the server and cached) with
// the live status codes the server pushes, and keeps the customer's choice in the browser, so a
// click costs no round trip. The same rules as the server's are checked here for a quick answer
// (a seat must be free; at most `limit` seats; no seat left on its own); the server checks them
// all again on Proceed, which posts the choice to `holdUrl` and goes where the answer says
// (checkout, or signing in).
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  GRID_COL,
  GRID_ROW,
  ID,
  LABEL,
  NUMBER,
  PRICE,
  WHEELCHAIR,
  strandedSeat,
} from "./seat_rules.js";
import {
  WORDS,
  categoryBands,
  describe,
  loadPlan,
  money,
  requestHold,
  rowsOf,
  seatAfterKey,
} from "./seat_plan.js";
import { useFittedMap } from "./seat_zoom.js";

const REFUSAL_FRESH_MS = 5000; // how long a refusal's news of taken seats beats the live codes

// One seat. Memoised: a click or a live update redraws the seats that changed, not all 440
// (a click is answered within a frame even on a busy phone).
const SeatButton = memo(function SeatButton({
  seat,
  code,
  chosen,
  offered,
  alone,
  gridRow,
  symbol,
  disabled,
  focusable,
  onToggle,
}) {
  const text = describe(seat, symbol);
  const classes = ["seat", `seat-${code}`];
  if (chosen) classes.push("seat-selected");
  if (offered && !chosen) classes.push("seat-offered");
  if (alone) classes.push("seat-alone");
  if (seat[WHEELCHAIR]) classes.push("seat-wheelchair");
  return (
    <button
      type="button"
      className={classes.join(" ")}
      style={{ gridRow, gridColumn: seat[GRID_COL] }}
      aria-label={`${text}, ${chosen ? "selected" : WORDS[code] || "unknown"}${
        alone ? ", would be left on its own" : ""
      }`}
      aria-pressed={chosen ? "true" : "false"}
      title={text}
      disabled={disabled}
      tabIndex={focusable ? 0 : -1}
      data-seat-id={seat[ID]}
      onClick={() => onToggle(seat[ID])}
    >
      {seat[WHEELCHAIR] ? "♿" : seat[NUMBER]}
    </button>
  );
});

export function SeatPicker({
  seatPlanUrl,
  codes,
  mine,
  limit,
  holdUrl,
  bestSeatsUrl,
  signedIn,
  loading,
  preselected,
  onGo,
  onRefused,
}) {
  const [plan, setPlan] = useState(null);
  const [failed, setFailed] = useState(false);
  const [selected, setSelected] = useState([]);
  const [notice, setNotice] = useState("");
  const [busy, setBusy] = useState(false);
  const [wanted, setWanted] = useState(2); // "How many seats?" for Best available
  const [wheelchair, setWheelchair] = useState(false);
  const [offers, setOffers] = useState(null); // Best available's answer: one block per category
  // Seats a refused Proceed found claimed: fresher than the codes (which may lag behind in a
  // rush), so shown taken for a few seconds, until the codes have surely caught up.
  const [taken, setTaken] = useState(() => new Set());
  const restored = useRef("");
  useEffect(() => {
    if (!taken.size) return undefined;
    const timer = setTimeout(() => setTaken(new Set()), REFUSAL_FRESH_MS);
    return () => clearTimeout(timer);
  }, [taken]);

  useEffect(() => {
    if (!seatPlanUrl) return undefined;
    let current = true;
    setFailed(false);
    loadPlan(seatPlanUrl)
      .then((loaded) => current && setPlan(loaded))
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
    };
  }, [seatPlanUrl]);

  const ready = Boolean(plan && codes && codes.length === plan.seats.length);
  const index = useMemo(() => {
    const positions = new Map();
    (plan?.seats || []).forEach((seat, i) => positions.set(seat[ID], i));
    return positions;
  }, [plan]);
  const mineSet = useMemo(() => new Set(mine || []), [mine]);
  // The keyboard: one seat in the tab order (the last one moved to); arrow keys move along the
  // row and to the nearest seat of the row in front or behind, Home and End to the row's ends.
  const [focusId, setFocusId] = useState(null);
  const rows = useMemo(() => rowsOf(plan?.seats || []), [plan]);
  const layout = useMemo(() => categoryBands(rows, plan?.prices || {}), [rows, plan]);
  const view = useFittedMap(ready, layout.lastColumn);
  const moveFocus = (event) => {
    const id = Number(event.target.dataset?.seatId);
    if (!id || !index.has(id)) return;
    const target = seatAfterKey(rows, plan.seats[index.get(id)], event.key);
    if (!target) return;
    event.preventDefault();
    setFocusId(target[ID]);
    event.currentTarget.querySelector(`[data-seat-id="${target[ID]}"]`)?.focus();
  };
  const codeAt = (i) => {
    const code = codes[i] || "b";
    if (code === "a" && taken.has(plan.seats[i][ID])) return "h";
    return code === "h" && mineSet.has(plan.seats[i][ID]) ? "m" : code;
  };
  const labelOf = (id) => plan.seats[index.get(id)][LABEL];

  // A chosen seat someone else has just taken is dropped, and the customer told which.
  useEffect(() => {
    if (!ready) return;
    setSelected((chosen) => {
      const lost = chosen.filter((id) => !index.has(id) || codeAt(index.get(id)) !== "a");
      if (!lost.length) return chosen;
      const labels = lost.map(labelOf).join(", ");
      setNotice(
        lost.length === 1
          ? `Seat ${labels} was just taken by someone else.`
          : `Seats ${labels} were just taken by someone else.`,
      );
      return chosen.filter((id) => !lost.includes(id));
    });
  }, [ready, codes, mine, taken]);

  // Seats chosen before signing in come back chosen, where still free.
  useEffect(() => {
    const wanted = preselected || [];
    const key = `${seatPlanUrl}|${wanted.join(",")}`;
    if (!ready || !wanted.length || restored.current === key) return;
    restored.current = key;
    const known = wanted.filter((id) => index.has(id));
    const free = known.filter((id) => codeAt(index.get(id)) === "a").slice(0, limit);
    const gone = known.filter((id) => !free.includes(id)).map(labelOf);
    setSelected(free);
    if (gone.length) {
      const verb = gone.length === 1 ? "is" : "are";
      setNotice(`${gone.join(", ")} ${verb} no longer free; your other seats are still chosen.`);
    }
  }, [ready, preselected]);

  const toggle = (id) => {
    if (!ready || loading) return;
    if (view.overview) {
      view.zoomTo(id); // a tap on the whole map magnifies that part; the next one chooses
      setFocusId(id);
    } else if (selected.includes(id)) {
      setSelected(selected.filter((other) => other !== id));
      setNotice("");
    } else if (codeAt(index.get(id)) !== "a") {
      setNotice(`Seat ${labelOf(id)} is not available.`);
    } else if (selected.length >= limit) {
      setNotice(`You can book at most ${limit} seats at a time.`);
    } else {
      setSelected([...selected, id]);
      setNotice("");
    }
  };

  // The seats get one handler for the picker's life (their memo holds); it runs the latest
  // toggle, which sees the latest choice and codes.
  const toggleRef = useRef(toggle);
  toggleRef.current = toggle;
  const onToggle = useCallback((id) => toggleRef.current(id), []);

  const proceed = async (seatIds) => {
    if (!signedIn) {
      // Signed out: to the sign-in page, and back to this map with the same seats chosen.
      const back = `${window.location.pathname}?seats=${seatIds.join(",")}`;
      onGo(`/login?next=${encodeURIComponent(back)}`);
      return;
    }
    setBusy(true);
    const answer = await requestHold(holdUrl, seatIds);
    if (answer.go) {
      onGo(answer.go); // busy until the page changes
      return;
    }
    setBusy(false);
    if (answer.taken.length) setTaken(new Set(answer.taken));
    if (answer.alone) setNotice(answer.error); // the row changed: the seat is marked below
    onRefused(answer.error);
  };

  // Best available: one block per category from the server, shown on the map; taking one holds
  // it at once (two clicks from an empty map to checkout).
  const suggest = async () => {
    setNotice("");
    try {
      const url = `${bestSeatsUrl}?count=${wanted}${wheelchair ? "&wheelchair=1" : ""}`;
      const answer = await fetch(url, { credentials: "same-origin" });
      const body = await answer.json();
      if (!answer.ok) throw new Error(body.error);
      setOffers(body.suggestions);
      if (!body.suggestions.length) {
        setNotice(`No ${wanted} seats side by side are free now; please choose on the map.`);
      }
    } catch (_) {
      setOffers(null);
      setNotice("Best available could not be found just now; please choose on the map.");
    }
  };
  const take = (offer) => {
    setSelected(offer.seat_ids);
    setOffers(null);
    proceed(offer.seat_ids);
  };
  const offeredSet = useMemo(
    () => new Set((offers || []).flatMap((offer) => offer.seat_ids)),
    [offers],
  );

  const chosen = ready ? [...selected].sort((a, b) => index.get(a) - index.get(b)) : [];
  const chosenSet = new Set(chosen);
  const total = chosen.reduce((sum, id) => sum + plan.seats[index.get(id)][PRICE], 0);
  const symbol = plan?.symbol || "";
  const unbuyable = (seat) => !seat[PRICE] || codeAt(index.get(seat[ID])) !== "a";
  const alone = ready && chosen.length ? strandedSeat(rows, unbuyable, chosenSet) : null;
  const gapWarning = alone
    ? `Please don't leave ${alone[LABEL]} on its own: choose it too, or move your seats so ` +
      "that no single empty seat is left beside them."
    : "";

  return (
    <div className="seat-picker">
      <div className="best-seats" role="group" aria-label="Best available">
        <label>
          How many seats?{" "}
          <select
            value={wanted}
            onChange={(event) => {
              setWanted(Number(event.target.value));
              setOffers(null);
            }}
          >
            {Array.from({ length: limit || 1 }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={wheelchair}
            onChange={(event) => {
              setWheelchair(event.target.checked);
              setOffers(null);
            }}
          />{" "}
          With a wheelchair space
        </label>
        <button type="button" className="seat-best" disabled={!ready || busy} onClick={suggest}>
          Best available
        </button>
        {(offers || []).map((offer) => (
          <button
            key={offer.category}
            type="button"
            className="seat-offer"
            disabled={busy}
            onClick={() => take(offer)}
          >
            {`Take ${offer.category} ${offer.labels.join(", ")} · ${offer.total}`}
          </button>
        ))}
      </div>
      {view.zoomable && (
        <button
          type="button"
          className="seat-zoom"
          aria-pressed={view.overview ? "false" : "true"}
          onClick={() => view.setOverview(!view.overview)}
        >
          {view.overview ? "Zoom in to choose" : "Show the whole map"}
        </button>
      )}
      <div className="seat-map-scroll" ref={view.boxRef}>
        <div
          className={view.overview ? "seat-grid seat-grid-overview" : "seat-grid"}
          style={view.overview ? { zoom: view.fit } : undefined}
          role="group"
          aria-label="Seat map"
          aria-busy={ready && !loading ? "false" : "true"}
          onKeyDown={ready ? moveFocus : undefined}
          onFocus={(event) => {
            const id = Number(event.target.dataset?.seatId);
            if (id) setFocusId(id); // a click or Tab moves the keyboard's place too
          }}
        >
          {ready &&
            layout.bands.map(([gridRow, text]) => (
              <div
                key={`band-${gridRow}`}
                className="category-band"
                style={{ gridRow, gridColumn: `1 / ${layout.lastColumn + 1}` }}
              >
                {text}
              </div>
            ))}
          {ready &&
            plan.rows.map(([label, row]) => (
              <div
                key={`row-${label}`}
                className="row-mark"
                style={{ gridRow: layout.shown(row), gridColumn: 1 }}
              >
                {label}
              </div>
            ))}
          {ready &&
            plan.seats.map((seat, i) => (
              <SeatButton
                key={seat[ID]}
                seat={seat}
                code={codeAt(i)}
                chosen={chosenSet.has(seat[ID])}
                offered={offeredSet.has(seat[ID])}
                alone={alone !== null && alone[ID] === seat[ID]}
                gridRow={layout.shown(seat[GRID_ROW])}
                focusable={seat[ID] === (focusId ?? plan.seats[0][ID])}
                symbol={symbol}
                disabled={loading}
                onToggle={onToggle}
              />
            ))}
        </div>
        {failed && (
          <p role="alert" className="seat-notice">
            The seat map could not be loaded. Please reload the page.
          </p>
        )}
      </div>
      <p className="seat-notice" role="status" aria-live="polite" data-testid="seat-notice">
        {gapWarning || notice}
      </p>
      <div className="seat-summary">
        <div>
          <p className="seat-summary-seats" data-testid="selected-seats">
            {chosen.length ? chosen.map(labelOf).join(", ") : "No seats chosen yet"}
          </p>
          <p className="seat-summary-total" data-testid="running-total">
            {`${chosen.length} of ${limit} seats · tickets ${money(symbol || "₹", total)}`}
          </p>
        </div>
        <button
          type="button"
          className="seat-proceed"
          disabled={!chosen.length || busy || alone !== null}
          aria-busy={busy ? "true" : "false"}
          onClick={() => proceed(chosen)}
        >
          Proceed
        </button>
      </div>
    </div>
  );
}
