// Door scanner: read a ticket's QR code with the device camera where the browser can
// (BarcodeDetector + getUserMedia), fill the code field and submit the form. Elsewhere it says
// so, and the code is typed or read by a USB/Bluetooth scanner that types into the field.
window.bmsScanWithCamera = async function () {
  const status = document.getElementById("camera-status");
  const video = document.getElementById("scan-video");
  const say = (text) => { if (status) status.textContent = text; };
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) {
    say("This browser cannot read QR codes with the camera: type the code, or use a scanner.");
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch (error) {
    say("The camera is not available (" + error.name + "): type the code instead.");
    return;
  }
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  say("Hold the ticket's QR code up to the camera…");
  const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };
  const started = Date.now();
  while (Date.now() - started < 60000) {
    const codes = await detector.detect(video).catch(() => []);
    const found = codes.map((c) => c.rawValue).find((v) => v.startsWith("BMS1-"));
    if (found) {
      stop();
      const field = document.getElementById("ticket-code");
      field.value = found;
      field.form.requestSubmit();
      say("");
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  stop();
  say("No ticket seen for a minute: the camera is off again.");
};
