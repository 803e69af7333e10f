// "Shop the look": drag-and-drop, a photo preview and an optional crop, all progressive
// enhancement over a plain multipart form (which works without this file).
// The cropper is deliberately tiny: drag a rectangle over the preview (or move and size one with
// the arrow keys); on submit the selected region is drawn onto a canvas and sent instead of the
// whole photo. A photo over the upload limit, in bytes or in pixels, is always sent that way,
// framed or whole.
(function () {
  "use strict";

  var ACCEPTED = ["image/jpeg", "image/png", "image/webp"];
  // Big enough for any model input, small enough to upload quickly over a phone connection.
  var CROP_MAX_SIDE = 1600;
  var MIN_CROP_PIXELS = 12;
  // An arrow key moves or resizes the frame by 2% of the photo's shorter side: about 50 presses
  // across, fine enough to frame a pocket, few enough to cross the photo.
  var KEY_STEP_SHARE = 0.02;
  var KEY_STEP_MIN_PIXELS = 2;
  var KILOBYTE = 1024;
  var MEGABYTE = 1024 * KILOBYTE;

  // A size to a tenth of a MB ("10 MB", "10.3 MB"; under a megabyte in kB), exactly as
  // storefront.photo_checks.megabytes writes it on the server: a limit rounded down; a size over
  // the limit to the nearest tenth, halves up, but at least a tenth above the limit's reading.
  function sizeUnit(size) { return size >= MEGABYTE ? MEGABYTE : KILOBYTE; }
  function megabytes(size, overLimit) {
    var unit = sizeUnit(size);
    var tenths;
    if (overLimit === undefined) {
      tenths = Math.floor(size * 10 / unit);
    } else {
      tenths = Math.floor((size * 20 + unit) / (2 * unit));
      if (sizeUnit(overLimit) === unit) tenths = Math.max(tenths, Math.floor(overLimit * 10 / unit) + 1);
    }
    return Math.floor(tenths / 10) + (tenths % 10 ? "." + (tenths % 10) : "") +
      (unit === MEGABYTE ? " MB" : " kB");
  }

  function setFile(input, file) {
    var transfer = new DataTransfer();
    if (file) transfer.items.add(file);
    input.files = transfer.files;
  }

  function init(form) {
    var main = form.querySelector("[data-photo-input]:not([data-camera-input])");
    var camera = form.querySelector("[data-camera-input]");
    var zone = form.querySelector("[data-drop-zone]");
    var area = form.querySelector("[data-crop-area]");
    var stage = form.querySelector("[data-crop-stage]");
    var preview = form.querySelector("[data-crop-image]");
    var box = form.querySelector("[data-crop-box]");
    var reset = form.querySelector("[data-crop-reset]");
    var submit = form.querySelector("[data-submit]");
    var submitLabel = submit.textContent;
    var status = form.querySelector("[data-photo-status]");
    var maxBytes = Number(form.getAttribute("data-max-bytes")) || 0;
    var maxPixels = Number(form.getAttribute("data-max-pixels")) || 0;
    var crop = null; // {x, y, w, h} in displayed pixels
    var objectUrl = null;
    var chosen = null; // the file in the preview
    var oversized = false; // the chosen file is over the limit: it is sent redrawn

    // The button says it is working, and is disabled, while the photo is redrawn and uploaded: a
    // second press (a click, or Enter in the form) would upload it again. Disabled, the form's only
    // submit button stops both, so the submit listener needs no flag of its own.
    function busy(on) {
      submit.disabled = on;
      if (on) submit.setAttribute("aria-busy", "true");
      else submit.removeAttribute("aria-busy");
      submit.textContent = on ? submit.getAttribute("data-busy-label") : submitLabel;
    }

    function showError(message) {
      var old = document.querySelector("[data-client-error]");
      if (old) old.remove();
      if (!message) return;
      var div = document.createElement("div");
      div.className = "form-error";
      div.setAttribute("role", "alert");
      div.setAttribute("data-client-error", "");
      div.textContent = message;
      form.parentNode.insertBefore(div, form);
    }

    function refuse(message) {
      showError(message);
      busy(false);
      status.textContent = "";
      // The refused file leaves the form, so that "Find" cannot upload it after all.
      setFile(main, null);
      setFile(camera, null);
      area.hidden = true;
      chosen = null;
      oversized = false;
      crop = null;
    }

    function tooLarge(size) {
      return "That photo is too large (" + megabytes(size, maxBytes) + "). The limit is " +
        megabytes(maxBytes) + ".";
    }

    // Known once the preview has loaded: a 50 MP panorama or screenshot can be a few MB, under
    // the limit in bytes, and the server refuses it for its pixels.
    function tooManyPixels() {
      return Boolean(maxPixels && preview.naturalWidth * preview.naturalHeight > maxPixels);
    }

    function canRedraw() {
      var canvas = document.createElement("canvas");
      return Boolean(canvas.getContext && canvas.getContext("2d") && canvas.toBlob && preview.decode);
    }

    function choose(file) {
      showError("");
      if (!file) return;
      // The server decides in the end; these only save a pointless upload (on a phone, minutes).
      if (ACCEPTED.indexOf(file.type) === -1 && file.type !== "") {
        refuse("Please choose a JPEG, PNG or WebP photo.");
        return;
      }
      // A photo over the limit (a 48 MP phone photo is 15 MB) is sent redrawn at most CROP_MAX_SIDE
      // a side, far under it, so it stays out of the form: only a browser that cannot redraw it
      // would send it as it is, and be refused after a pointless upload.
      oversized = Boolean(maxBytes && file.size > maxBytes);
      if (oversized && !canRedraw()) {
        refuse(tooLarge(file.size));
        return;
      }
      setFile(main, oversized ? null : file);
      setFile(camera, null);
      crop = null;
      box.hidden = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(file);
      chosen = file;
      preview.src = objectUrl;
      area.hidden = false;
      status.textContent = file.name + " is ready. You may frame the piece you want on it, " +
        "then choose Find similar pieces.";
      if (oversized) {
        preview.decode().catch(function () {
          if (chosen === file) refuse(tooLarge(file.size)); // not a photo this browser can redraw
        });
      }
    }

    [main, camera].forEach(function (input) {
      input.addEventListener("change", function () { choose(input.files[0]); });
    });

    // "Back" to this page can show it from the browser's back/forward cache as it was left,
    // "Finding…": left while the photo uploaded, or for the results where a browser caches a page
    // that posted to its own address (Chromium does not).
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) busy(false);
    });

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("is-over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var files = event.dataTransfer.files;
      if (files.length > 1) { showError("Please drop one photo at a time."); return; }
      choose(files[0]);
    });

    // Cropping with pointer events (mouse, touch and pen alike).
    var start = null;
    function point(event) {
      var rect = preview.getBoundingClientRect();
      return {
        x: Math.min(Math.max(event.clientX - rect.left, 0), rect.width),
        y: Math.min(Math.max(event.clientY - rect.top, 0), rect.height)
      };
    }
    function draw() {
      box.hidden = !crop;
      if (!crop) return;
      box.style.left = crop.x + "px";
      box.style.top = crop.y + "px";
      box.style.width = crop.w + "px";
      box.style.height = crop.h + "px";
    }
    stage.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      stage.setPointerCapture(event.pointerId);
      start = point(event);
      crop = { x: start.x, y: start.y, w: 0, h: 0 };
      draw();
    });
    stage.addEventListener("pointermove", function (event) {
      if (!start) return;
      var now = point(event);
      crop = {
        x: Math.min(start.x, now.x), y: Math.min(start.y, now.y),
        w: Math.abs(now.x - start.x), h: Math.abs(now.y - start.y)
      };
      draw();
    });
    stage.addEventListener("pointerup", function () {
      start = null;
      if (crop && (crop.w < MIN_CROP_PIXELS || crop.h < MIN_CROP_PIXELS)) crop = null;
      draw();
    });
    reset.addEventListener("click", function () { crop = null; draw(); });

    // The same frame from the keyboard: arrows move it, Shift+arrows resize it (right and down
    // grow it). The first key press puts a frame on the middle half of the photo.
    var KEY_STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    stage.addEventListener("keydown", function (event) {
      var direction = KEY_STEPS[event.key];
      if (!direction || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault(); // the arrows would scroll the page instead
      var rect = preview.getBoundingClientRect();
      if (!crop) {
        crop = { x: rect.width / 4, y: rect.height / 4, w: rect.width / 2, h: rect.height / 2 };
        draw();
        return;
      }
      var step = Math.max(KEY_STEP_MIN_PIXELS, Math.round(Math.min(rect.width, rect.height) * KEY_STEP_SHARE));
      var dx = direction[0] * step, dy = direction[1] * step;
      if (event.shiftKey) {
        crop.w = Math.min(Math.max(crop.w + dx, MIN_CROP_PIXELS), rect.width - crop.x);
        crop.h = Math.min(Math.max(crop.h + dy, MIN_CROP_PIXELS), rect.height - crop.y);
      } else {
        crop.x = Math.min(Math.max(crop.x + dx, 0), rect.width - crop.w);
        crop.y = Math.min(Math.max(crop.y + dy, 0), rect.height - crop.h);
      }
      draw();
    });

    // The frame, or the whole photo when it is over the limit, drawn onto a canvas at most
    // CROP_MAX_SIDE a side and sent as a JPEG; the blob is null where the browser cannot.
    function redrawn(done) {
      var sx = 0, sy = 0, sw = preview.naturalWidth, sh = preview.naturalHeight;
      if (crop) {
        var scale = preview.naturalWidth / preview.getBoundingClientRect().width;
        sx = crop.x * scale; sy = crop.y * scale; sw = crop.w * scale; sh = crop.h * scale;
      }
      var shrink = Math.min(1, CROP_MAX_SIDE / Math.max(sw, sh));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(sw * shrink));
      canvas.height = Math.max(1, Math.round(sh * shrink));
      var context = canvas.getContext("2d");
      // A JPEG has no transparency: a cut-out goes on white, as the server flattens photos, not black.
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(preview, sx, sy, sw, sh, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(done, "image/jpeg", 0.92);
    }

    form.addEventListener("submit", function (event) {
      busy(true);
      var ready = Boolean(preview.complete && preview.naturalWidth);
      if (!chosen || (ready && !oversized && !crop && !tooManyPixels())) return; // the whole photo, as chosen
      event.preventDefault();
      var file = chosen;
      // The photo may still be loading when "Find" is pressed: its pixels are counted once it has.
      var loaded = ready ? Promise.resolve() : preview.decode();
      loaded.then(function () {
        if (file !== chosen) { busy(false); return; } // another photo was chosen meanwhile
        if (!oversized && !crop && !tooManyPixels()) {
          form.submit();
          return;
        }
        redrawn(function (blob) {
          if (file !== chosen) { busy(false); return; } // another photo was chosen meanwhile
          if (oversized && (!blob || blob.size > maxBytes)) {
            refuse(tooLarge(file.size));
            return;
          }
          if (blob) setFile(main, new File([blob], "crop.jpg", { type: "image/jpeg" }));
          crop = null;
          form.submit();
        });
      }, function () {
        if (file !== chosen) { busy(false); return; } // another photo was chosen meanwhile
        if (oversized) refuse(tooLarge(file.size));
        else form.submit(); // the whole photo, as chosen: the server says what is wrong with it
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-look-form]").forEach(init);
  });
})();
