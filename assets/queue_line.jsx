// The on-sale line's live text: asks the server where the customer stands every few seconds
// (a plain GET with the signed pass the page was given: no tab state is loaded or saved) and
// reloads the page when it is their turn, which then shows the seat map.
import { useEffect, useState } from "react";

const POLL_MS = 4000; // until the server says how soon to ask again (it asks the back less)

export function QueueLine({ pollUrl, text }) {
  const [shown, setShown] = useState(text);
  const [trouble, setTrouble] = useState("");

  useEffect(() => setShown(text), [text]);

  useEffect(() => {
    if (!pollUrl) return undefined;
    let stopped = false;
    let timer = null;
    let waitMs = POLL_MS;
    const ask = async () => {
      try {
        const answer = await fetch(pollUrl, { cache: "no-store", credentials: "same-origin" });
        const body = await answer.json();
        if (stopped) return;
        if (answer.ok && body.admitted) {
          window.location.reload();
          return;
        }
        if (answer.ok) {
          if (body.poll_seconds > 0) waitMs = body.poll_seconds * 1000;
          setShown(body.text);
          setTrouble("");
        } else {
          setTrouble(body.error || "The line could not be read just now; still trying.");
        }
      } catch (error) {
        if (!stopped) setTrouble("The connection dropped; your place is kept. Still trying.");
      }
      // A little jitter, so that a crowd's polls do not arrive in step.
      if (!stopped) timer = setTimeout(ask, waitMs * (0.75 + Math.random() / 2));
    };
    timer = setTimeout(ask, POLL_MS * Math.random());
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [pollUrl]);

  return (
    <div className="queue-line">
      <p className="queue-text" aria-live="polite" data-testid="queue-text">
        {shown}
      </p>
      {trouble ? (
        <p className="queue-trouble" role="status">
          {trouble}
        </p>
      ) : null}
    </div>
  );
}
