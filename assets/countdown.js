// Hold countdowns run in the browser, not on the server. An element with
// data-countdown-seconds="<n>" shows mm:ss counting down from n (restarting whenever the server
// sends a new n or data-countdown-key); at zero it presses the button whose id is in
// data-countdown-ended, once, so the server can check that the hold has ended. The server decides
// everything; this is only the clock.
(function () {
  const started = new WeakMap(); // element -> {key, endsAt, fired}

  function show(element, text) {
    const node = element.firstChild; // keep React's text node, so its own updates still land
    if (node && node.nodeType === Node.TEXT_NODE) {
      if (node.nodeValue !== text) node.nodeValue = text;
    } else if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  function tick() {
    document.querySelectorAll("[data-countdown-seconds]").forEach((element) => {
      const seconds = Number(element.dataset.countdownSeconds);
      const key = (element.dataset.countdownKey || "") + ":" + seconds;
      let clock = started.get(element);
      if (!clock || clock.key !== key) {
        clock = { key, endsAt: performance.now() + seconds * 1000, fired: false };
        started.set(element, clock);
      }
      const left = Math.max(0, Math.ceil((clock.endsAt - performance.now()) / 1000));
      const minutes = String(Math.floor(left / 60)).padStart(2, "0");
      show(element, minutes + ":" + String(left % 60).padStart(2, "0"));
      if (left === 0 && !clock.fired) {
        clock.fired = true;
        const ended = document.getElementById(element.dataset.countdownEnded);
        if (ended) ended.click();
      }
    });
  }

  setInterval(tick, 250);
})();
