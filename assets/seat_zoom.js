// The whole map on a phone: when the map is wider than its box, it first shows fitted to the
// box (an overview, every seat in sight); a tap on a part of it magnifies that part to full
// size (seats of 26 px, large enough to pick), with the tapped seat in the middle of the box.
import { useEffect, useRef, useState } from "react";

const SEAT_PX = 26; // the grid's column width and gap (seatmap.css)
const GAP_PX = 4;

export function useFittedMap(ready, lastColumn) {
  const boxRef = useRef(null);
  const [fit, setFit] = useState(1);
  const [overview, setOverview] = useState(null); // null: the customer has not chosen yet
  const centre = useRef(null);

  useEffect(() => {
    const box = boxRef.current;
    if (!ready || !box) return undefined;
    const width = lastColumn * SEAT_PX + (lastColumn - 1) * GAP_PX;
    const measure = () => setFit(Math.min(1, (box.clientWidth - 2) / width));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [ready, lastColumn]);

  const zoomable = fit < 0.95;
  const shown = zoomable && overview !== false;

  // After magnifying, bring the tapped seat to the middle of the box.
  useEffect(() => {
    if (shown || centre.current === null || !boxRef.current) return;
    const seat = boxRef.current.querySelector(`[data-seat-id="${centre.current}"]`);
    centre.current = null;
    if (!seat) return;
    const box = boxRef.current;
    box.scrollLeft = seat.offsetLeft - box.clientWidth / 2 + SEAT_PX / 2;
    box.scrollTop = seat.offsetTop - box.clientHeight / 2 + SEAT_PX / 2;
    // The box and the summary below it fit the screen together: show both.
    box.parentElement.querySelector(".seat-summary")?.scrollIntoView({ block: "end" });
    seat.focus({ preventScroll: true });
  }, [shown]);

  return {
    boxRef,
    fit,
    zoomable,
    overview: shown,
    setOverview,
    zoomTo: (seatId) => {
      centre.current = seatId;
      setOverview(false);
    },
  };
}
