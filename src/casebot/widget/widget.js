/*! casebot chat widget: <casebot-chat>, a web component in Shadow DOM. No framework, no
 * build step. Embed: <script src="https://HOST/widget.js" data-casebot-key="pk_..." async></script>
 *
 * Privacy: the conversation lives in this page's memory only: no cookies and no browser
 * storage of any kind, so nothing remains when the tab closes.
 * Strict CSP: no inline script or style is needed (styles are constructable stylesheets,
 * the DOM is built with createElement and textContent).
 * Exit this page: as GOV.UK's component does it (a button, or Shift pressed three times).
 */
(() => {
  "use strict";
  const TAG = "casebot-chat";
  if (customElements.get(TAG)) return;

  const SCRIPT = document.currentScript;
  const DEFAULT_EXIT = "https://www.bbc.co.uk/weather";
  const MAX_TURNS = 20;
  const MAX_TURN_CHARS = 8000;
  const MAX_MESSAGE = 2000;
  const SHIFT_PRESSES = 3;
  const SHIFT_WINDOW_MS = 5000;
  const MARKER = /\[(\d+)\]/g;
  // The reasons POST /v1/feedback accepts with each thumb, and the comment's limit: casebot
  // writes its own list in here when it serves this file.
  const FEEDBACK = /*casebot:feedback*/ null;
  const SVG = "http://www.w3.org/2000/svg";
  // The default colours, as six-digit hex so a tenant's can be checked against them.
  const COLOURS = {
    accent: "#1d4f91",
    "accent-text": "#ffffff",
    bg: "#ffffff",
    fg: "#0b0c0c",
    muted: "#484949",
    border: "#b1b4b6",
    focus: "#ffdd00",
    "exit-bg": "#a4161a",
    "exit-text": "#ffffff",
    "urgent-bg": "#fdf0f0",
    "card-bg": "#f3f2f1",
  };
  const AA = 4.5; // WCAG 2 AA, normal text
  const colourVars = (colours) =>
    Object.entries(colours)
      .map(([name, value]) => `--casebot-${name}:${value};`)
      .join("");

  const CSS = `
:host{${colourVars(COLOURS)}--casebot-radius:6px;
--casebot-font:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;--casebot-width:380px;
--cb-vh:100dvh;font-family:var(--casebot-font);color:var(--casebot-fg);font-size:16px;line-height:1.4}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.sr-only{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
a,button,textarea{font:inherit}
a{color:var(--casebot-accent)}
:focus-visible{outline:3px solid var(--casebot-fg);outline-offset:0;box-shadow:0 0 0 6px var(--casebot-focus)}
button{cursor:pointer;border-radius:var(--casebot-radius);border:2px solid transparent;padding:.5em .9em;min-height:44px}
.primary{background:var(--casebot-accent);color:var(--casebot-accent-text)}
.secondary{background:var(--casebot-bg);color:var(--casebot-accent);border-color:var(--casebot-accent)}
.exit{display:inline-flex;align-items:center;min-height:44px;padding:.5em .9em;border-radius:var(--casebot-radius);
background:var(--casebot-exit-bg);color:var(--casebot-exit-text);font-weight:700;text-decoration:none;border:2px solid var(--casebot-exit-bg)}
.dock{position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;gap:8px;align-items:center}
.panel{background:var(--casebot-bg);border:1px solid var(--casebot-border);border-radius:var(--casebot-radius);
display:flex;flex-direction:column;overflow:hidden;transition:opacity .2s ease,transform .2s ease}
.launcher .panel{position:fixed;right:16px;bottom:76px;z-index:2147483000;width:var(--casebot-width);
max-width:calc(100vw - 32px);height:min(640px,calc(var(--cb-vh) - 96px));box-shadow:0 4px 24px rgba(0,0,0,.25)}
.inline .panel{height:var(--casebot-height,560px);width:100%}
.head{display:flex;align-items:center;gap:8px;padding:8px 12px;background:var(--casebot-accent);color:var(--casebot-accent-text)}
.head h2{font-size:1.1em;margin:0;flex:1}
.head .close{background:transparent;color:var(--casebot-accent-text);border-color:var(--casebot-accent-text);padding:.3em .7em}
.standing{margin:0;padding:8px 12px;background:var(--casebot-urgent-bg);border-bottom:1px solid var(--casebot-border);font-size:.95em}
.log{list-style:none;margin:0;padding:12px;overflow-y:auto;flex:1;display:flex;flex-direction:column;gap:12px}
.msg{max-width:100%}
.msg p{margin:0 0 .5em}
.user{align-self:flex-end;background:var(--casebot-card-bg);padding:8px 12px;border-radius:var(--casebot-radius)}
.safety{border-left:4px solid var(--casebot-exit-bg);padding:4px 0 4px 10px;margin-bottom:8px}
.cards{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:6px}
.card{background:var(--casebot-card-bg);padding:8px 10px;border-radius:var(--casebot-radius)}
.card strong{display:block}
.card .how{display:flex;flex-wrap:wrap;gap:4px 12px;margin-top:4px}
.card .how a{font-weight:700}
.ref{background:none;border:0;padding:0 2px;min-height:0;color:var(--casebot-accent);text-decoration:underline;font-weight:700}
.note{background:var(--casebot-card-bg);border-left:4px solid var(--casebot-accent);padding:8px 10px;margin:6px 0;border-radius:var(--casebot-radius)}
.note blockquote{margin:0 0 .4em;font-style:italic}
.note p{margin:0;color:var(--casebot-muted);font-size:.95em}
.typing{color:var(--casebot-muted);animation:cb-pulse 1.2s ease-in-out infinite}
@keyframes cb-pulse{50%{opacity:.4}}
form{display:flex;gap:8px;padding:8px 12px;border-top:1px solid var(--casebot-border);align-items:flex-end}
form .field{flex:1;display:flex;flex-direction:column}
label{font-size:.9em;color:var(--casebot-muted)}
textarea{width:100%;font-size:16px;min-height:44px;max-height:30vh;resize:vertical;padding:8px;border:2px solid var(--casebot-fg);border-radius:var(--casebot-radius);color:var(--casebot-fg);background:var(--casebot-bg)}
.tools{display:flex;justify-content:space-between;align-items:center;padding:0 12px 8px;gap:8px}
.head .exit{min-height:36px;padding:.3em .7em;border-color:var(--casebot-accent-text)}
.feedback{margin-top:8px;display:flex;flex-direction:column;gap:8px}
.thumbs{display:flex;flex-wrap:wrap;gap:8px}
.thumb{display:inline-flex;align-items:center;gap:6px;background:var(--casebot-bg);color:var(--casebot-accent);border-color:var(--casebot-accent);padding:.3em .8em}
.thumb svg{width:18px;height:18px;fill:currentColor}
.thumb.down svg{transform:rotate(180deg)}
.thumb[aria-pressed=true]{background:var(--casebot-accent);color:var(--casebot-accent-text)}
form.rate{flex-direction:column;align-items:stretch;padding:0;border:0;gap:8px}
fieldset{border:0;margin:0;padding:0;display:flex;flex-direction:column;gap:2px}
legend{font-weight:700;padding:0;margin-bottom:4px}
.choice{display:flex;align-items:center;gap:8px;min-height:36px;font-size:1em;color:var(--casebot-fg)}
.choice input{width:20px;height:20px;margin:0;accent-color:var(--casebot-accent)}
.hint{margin:0;font-size:.9em;color:var(--casebot-muted)}
.rate .send{align-self:flex-start}
.fb-error{margin:0;font-weight:700;border-left:4px solid var(--casebot-exit-bg);padding-left:8px}
.thanks{margin:0}
@media (max-width:480px){
 .launcher .panel{right:0;left:0;top:0;bottom:auto;width:100vw;max-width:100vw;height:var(--cb-vh);border-radius:0;z-index:2147483001}
 .launcher.open .dock .launch{display:none}
 .launcher.open .dock{top:8px;bottom:auto;z-index:2147483002}
 .launcher.open .head{padding-right:170px}
}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{transition:none!important;animation:none!important;scroll-behavior:auto!important}}
`;

  const EXIT_CSS = `body>:not(.casebot-exit-overlay){display:none!important}
.casebot-exit-overlay{position:fixed;inset:0;z-index:2147483647;background:#fff;color:#0b0c0c;
font:19px/1.4 Arial,sans-serif;display:flex;align-items:center;justify-content:center}`;

  let shared;
  function sheet(css) {
    const s = new CSSStyleSheet();
    s.replaceSync(css);
    return s;
  }

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") el.textContent = v;
      else if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) el.append(c);
    return el;
  }

  function safeUrl(value, fallback) {
    try {
      const url = new URL(value, location.href);
      if (url.protocol === "https:" || url.protocol === "http:") return url.href;
    } catch (_) {
      /* not a URL */
    }
    return fallback;
  }

  // WCAG 2 relative luminance and contrast ratio of two "#rrggbb" colours.
  function luminance(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }

  const readable = (text, grounds) => grounds.every((g) => contrast(text, g) >= AA);
  const hexColour = (value) => (/^#[0-9a-f]{6}$/i.test(value || "") ? value.toLowerCase() : null);

  // A tenant's colours where every text they touch stays AA-readable; each group that would
  // not keeps the defaults. Text and background change together or not at all (cards and
  // the standing line keep their own light grounds); the accent is checked against the
  // grounds it is written on, and text on it is white or near-black, whichever reads better.
  function brandColours(branding) {
    const chosen = {};
    const fg = hexColour(branding.text_colour);
    const bg = hexColour(branding.background_colour);
    const grounds = [COLOURS["card-bg"], COLOURS["urgent-bg"]];
    if (fg && bg && readable(fg, [bg, ...grounds]) && readable(COLOURS.muted, [bg])) {
      Object.assign(chosen, { fg, bg });
    }
    const accent = hexColour(branding.primary_colour);
    const onAccent = accent && [COLOURS["accent-text"], COLOURS.fg].sort((a, b) => contrast(b, accent) - contrast(a, accent))[0];
    if (accent && readable(accent, [chosen.bg || COLOURS.bg, ...grounds]) && readable(onAccent, [accent])) {
      Object.assign(chosen, { accent, "accent-text": onAccent });
    }
    return chosen;
  }

  function scriptOrigin() {
    return SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin : location.origin;
  }

  // Quick exit: blank the page at once, forget every conversation, go to a neutral site.
  let exiting = null;
  function exitPage(destination) {
    for (const el of document.querySelectorAll(TAG)) if (el.forget) el.forget();
    if (!exiting) {
      const hide = sheet(EXIT_CSS);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, hide];
      const overlay = h("div", { class: "casebot-exit-overlay", role: "alert" });
      document.body.append(overlay);
      overlay.textContent = "Loading."; // set after insertion: announced more reliably
      exiting = { hide, overlay };
    }
    window.location.href = destination;
  }
  // Back from the neutral site (bfcache): the page is usable again, as GOV.UK's is.
  window.addEventListener("pageshow", () => {
    if (!exiting) return;
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== exiting.hide);
    exiting.overlay.remove();
    exiting = null;
    shift.reset();
  });

  // Shift pressed on its own three times, each within 5 s of the last; any other key resets.
  const shift = {
    count: 0,
    timer: null,
    lastModified: false,
    reset() {
      clearTimeout(this.timer);
      this.timer = null;
      this.count = 0;
    },
    status(text) {
      for (const el of document.querySelectorAll(TAG)) if (el.shiftStatus) el.shiftStatus(text);
    },
    onKeyup(event) {
      const isShift = event.key === "Shift";
      if (isShift && !this.lastModified) {
        this.count += 1;
        clearTimeout(this.timer);
        if (this.count >= SHIFT_PRESSES) {
          this.reset();
          const first = document.querySelector(TAG);
          exitPage(first && first.exitUrl ? first.exitUrl : DEFAULT_EXIT);
        } else {
          const left = SHIFT_PRESSES - this.count;
          this.status(`Shift, press ${left} more time${left === 1 ? "" : "s"} to exit.`);
          this.timer = setTimeout(() => {
            this.reset();
            this.status("Exit this page expired.");
          }, SHIFT_WINDOW_MS);
        }
      } else if (this.count) {
        this.reset();
        this.status("");
      }
      this.lastModified = event.shiftKey;
    },
  };
  document.addEventListener("keyup", (e) => shift.onKeyup(e), true);

  // Server-Sent Events from a fetch response (EventSource cannot POST or send a key).
  async function* events(response) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (!line || line.startsWith(":")) continue; // heartbeats are comments
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") name = val;
          else if (field === "data") data.push(val);
        }
        if (data.length) yield { name, data: JSON.parse(data.join("\n")) };
      }
    }
  }

  function smsHref(text) {
    const to = /\bto\s+(\d[\d ]*\d)/i.exec(text) || /(\d[\d ]*\d|\d)/.exec(text);
    if (!to) return null;
    const word = /^text\s+([A-Z]+)\s+to\b/i.exec(text);
    const number = to[1].replace(/\s/g, "");
    return word ? `sms:${number}?&body=${encodeURIComponent(word[1])}` : `sms:${number}`;
  }

  function signpostCard(s) {
    const how = h("div", { class: "how" });
    if (s.phone) how.append(h("a", { href: `tel:${s.phone.replace(/\s/g, "")}`, text: `Call ${s.phone}` }));
    if (s.text) {
      const href = smsHref(s.text);
      how.append(href ? h("a", { href, text: s.text }) : h("span", { text: s.text }));
    }
    if (s.url) {
      const url = safeUrl(s.url, null);
      if (url) how.append(h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: "Website" }));
    }
    return h(
      "li",
      { class: "card" },
      h("strong", { text: s.name }),
      h("span", { text: s.description }),
      s.hours ? h("span", { text: ` Open: ${s.hours}.` }) : null,
      how,
    );
  }

  let counter = 0;

  // A thumb drawn here (no icon font, no image request); pointing down for "Not helpful".
  function thumbIcon() {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const cuff = document.createElementNS(SVG, "rect");
    for (const [k, v] of Object.entries({ x: "2", y: "10", width: "4", height: "11", rx: "1" })) cuff.setAttribute(k, v);
    const hand = document.createElementNS(SVG, "path");
    hand.setAttribute("d", "M8 10l4.2-7.1c.8-1.3 2.9-.6 2.6 1L14 9h6c1.4 0 2.4 1.3 2 2.6l-2 7.6c-.3 1.1-1.3 1.8-2.4 1.8H8z");
    svg.append(cuff, hand);
    return svg;
  }

  async function postFeedback(chat, body) {
    const headers = { "content-type": "application/json" };
    if (chat.key) headers["X-Casebot-Key"] = chat.key;
    const response = await fetch(`${chat.api}/v1/feedback`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
    return response.status;
  }

  function feedbackError(status) {
    if (status === 429) return "Too many ratings just now. Please try again in a minute.";
    return "Your feedback was not sent. Please try again.";
  }

  // One rating per answer: a thumb, then a reason from the API's own list and an optional
  // comment. Sent once; the box then only says thank you.
  function feedbackView(chat, answerId) {
    const base = `${chat.uid}-fb${++counter}`;
    const box = h("div", { class: "feedback", role: "group", "aria-label": "Feedback on this answer" });
    const thumbs = {};
    const reasons = h("fieldset");
    const comment = h("textarea", {
      id: `${base}-comment`,
      rows: "2",
      maxlength: String(FEEDBACK.max_comment),
      "aria-describedby": `${base}-hint`,
    });
    const error = h("p", { class: "fb-error", role: "alert", hidden: true });
    const send = h("button", { type: "submit", class: "primary send", text: "Send feedback" });
    const form = h(
      "form",
      { class: "rate", hidden: true, onsubmit: (e) => submit(e) },
      reasons,
      h(
        "div",
        { class: "field" },
        h("label", { for: `${base}-comment`, text: "Anything to add? (optional)" }),
        h("p", {
          class: "hint",
          id: `${base}-hint`,
          text: `Up to ${FEEDBACK.max_comment} characters. Please leave out names and contact details.`,
        }),
        comment,
      ),
      error,
      send,
    );
    let rating = null;
    let sending = false;

    function choose(chosen) {
      rating = chosen;
      for (const [r, button] of Object.entries(thumbs)) button.setAttribute("aria-pressed", String(r === chosen));
      const legend = chosen === "up" ? "What was good about it?" : "What went wrong?";
      reasons.replaceChildren(
        h("legend", { text: legend }),
        ...FEEDBACK[chosen].map((r) =>
          h("label", { class: "choice" }, h("input", { type: "radio", name: `${base}-reason`, value: r.id }), r.label),
        ),
      );
      error.hidden = true;
      form.hidden = false;
      reasons.querySelector("input").focus();
    }

    function fail(text) {
      error.textContent = text;
      error.hidden = false;
    }

    async function submit(event) {
      event.preventDefault();
      if (sending) return;
      const picked = reasons.querySelector("input:checked");
      if (!picked) return fail("Choose a reason first.");
      const written = comment.value.trim().slice(0, FEEDBACK.max_comment);
      const body = { answer_id: answerId, rating, reason: picked.value, comment: written || null };
      // aria-disabled, not disabled: a disabled button drops the keyboard's focus.
      sending = true;
      send.setAttribute("aria-disabled", "true");
      error.hidden = true;
      let status = 0;
      try {
        status = await postFeedback(chat, body);
      } catch (_) {
        /* offline or refused: said below, on one line */
      }
      sending = false;
      send.removeAttribute("aria-disabled");
      if (status !== 201) return fail(feedbackError(status));
      const thanks = h("p", { class: "thanks", tabindex: "-1", text: "Thank you for your feedback." });
      const hadFocus = box.contains(chat.shadowRoot.activeElement);
      box.replaceChildren(thanks);
      if (hadFocus) thanks.focus();
    }

    for (const r of ["up", "down"]) {
      thumbs[r] = h(
        "button",
        { type: "button", class: `thumb ${r}`, "aria-pressed": "false", onclick: () => choose(r) },
        thumbIcon(),
        r === "up" ? "Helpful" : "Not helpful",
      );
    }
    box.append(h("div", { class: "thumbs" }, thumbs.up, thumbs.down), form);
    return box;
  }

  class CasebotChat extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: "open" });
      this.turns = []; // the transcript, in memory only
      this.inflight = null;
      this.built = false;
    }

    setting(name, fallback) {
      const own = this.dataset[name];
      if (own) return own;
      const fromScript = SCRIPT && SCRIPT.dataset[name];
      return fromScript || fallback;
    }

    chosenByPage(name) {
      return Boolean(this.dataset[name] || (SCRIPT && SCRIPT.dataset[name]));
    }

    connectedCallback() {
      if (this.built) return;
      this.built = true;
      this.uid = `cb${++counter}`;
      this.mode = this.setting("casebotMode", this.placedByHost ? "inline" : "launcher") === "inline" ? "inline" : "launcher";
      this.api = safeUrl(this.setting("casebotApi", scriptOrigin()), location.origin).replace(/\/$/, "");
      this.key = this.setting("casebotKey", "");
      this.exitUrl = safeUrl(this.setting("casebotExitUrl", DEFAULT_EXIT), DEFAULT_EXIT);
      // Not `this.title`: that is the element's tooltip attribute, shown over the whole chat.
      this.label = this.setting("casebotTitle", "Ask about the Casey Review");
      shared = shared || sheet(CSS);
      this.shadowRoot.adoptedStyleSheets = [shared];
      this.render();
      if (this.key) this.loadBranding();
      this.onViewport = () => this.fitViewport();
      if (window.visualViewport) window.visualViewport.addEventListener("resize", this.onViewport);
    }

    // The tenant's name, colours and exit destination (GET /v1/tenant). What the host page
    // set on the element or script wins; without a tenant (casebot running open) or when
    // the request fails, the widget keeps its own defaults.
    async loadBranding() {
      let tenant = null;
      try {
        const response = await fetch(`${this.api}/v1/tenant`, {
          headers: { "X-Casebot-Key": this.key },
          credentials: "omit",
          cache: "no-store",
          referrerPolicy: "no-referrer",
        });
        if (response.ok) tenant = await response.json();
      } catch (_) {
        /* the defaults stay */
      }
      if (tenant && tenant.id !== "open" && tenant.branding) this.brand(tenant.branding);
    }

    brand(branding) {
      if (!this.chosenByPage("casebotTitle") && branding.name) {
        this.label = branding.name;
        this.heading.textContent = branding.name;
        if (this.launchBtn) this.launchBtn.textContent = branding.name;
      }
      if (!this.chosenByPage("casebotExitUrl") && branding.exit_url) {
        this.exitUrl = safeUrl(branding.exit_url, this.exitUrl);
        for (const link of this.shadowRoot.querySelectorAll("a.exit")) link.href = this.exitUrl;
      }
      const colours = brandColours(branding);
      if (Object.keys(colours).length) {
        this.shadowRoot.adoptedStyleSheets = [shared, sheet(`:host{${colourVars(colours)}}`)];
      }
    }

    disconnectedCallback() {
      if (window.visualViewport) window.visualViewport.removeEventListener("resize", this.onViewport);
      this.forget();
    }

    // Keep the input above an on-screen keyboard: the panel is as tall as what is visible.
    fitViewport() {
      const vv = window.visualViewport;
      if (vv) this.style.setProperty("--cb-vh", `${Math.round(vv.height)}px`);
    }

    exitLink() {
      const link = h(
        "a",
        {
          class: "exit",
          href: this.exitUrl,
          role: "button",
          rel: "nofollow noreferrer",
          draggable: "false",
          onclick: (e) => {
            e.preventDefault();
            exitPage(this.exitUrl);
          },
          onkeydown: (e) => {
            if (e.key === " ") {
              e.preventDefault();
              exitPage(this.exitUrl);
            }
          },
        },
        h("span", { class: "sr-only", text: "Emergency" }),
        " Exit this page",
      );
      return link;
    }

    render() {
      const id = (s) => `${this.uid}-${s}`;
      const launcher = this.mode === "launcher";
      this.statusEl = h("div", { class: "sr-only", role: "status" });
      this.announcer = h("div", { class: "sr-only", "aria-live": "polite", "aria-atomic": "true" });
      this.log = h("ol", { class: "log", "aria-label": "Conversation" });
      this.input = h("textarea", {
        id: id("input"),
        rows: "2",
        maxlength: String(MAX_MESSAGE),
        autocomplete: "off",
        onkeydown: (e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            this.form.requestSubmit();
          }
        },
      });
      this.form = h(
        "form",
        { onsubmit: (e) => this.onSubmit(e) },
        h("div", { class: "field" }, h("label", { for: id("input"), text: "Your question" }), this.input),
        h("button", { type: "submit", class: "primary", text: "Send" }),
      );
      this.closeBtn = launcher
        ? h("button", { type: "button", class: "close", "aria-label": "Close chat", text: "Close", onclick: () => this.close() })
        : null;
      const heading = h("h2", { id: id("title"), text: this.label });
      this.heading = heading;
      this.panel = h(
        "div",
        {
          class: "panel",
          id: id("panel"),
          role: launcher ? "dialog" : null,
          "aria-labelledby": id("title"),
          hidden: launcher,
          onkeydown: (e) => {
            if (e.key === "Escape" && launcher) {
              e.stopPropagation();
              this.close();
            }
          },
        },
        h("div", { class: "head" }, heading, launcher ? this.closeBtn : this.exitLink()),
        h(
          "p",
          { class: "standing" },
          "casebot is not an emergency service. If you are in danger, call ",
          h("a", { href: "tel:999", text: "999" }),
          ".",
        ),
        this.log,
        this.form,
        h(
          "div",
          { class: "tools" },
          h("button", { type: "button", class: "secondary clear", text: "Clear conversation", onclick: () => this.clear() }),
        ),
      );
      if (launcher) {
        this.launchBtn = h("button", {
          type: "button",
          class: "primary launch",
          "aria-expanded": "false",
          "aria-controls": id("panel"),
          text: this.label,
          onclick: () => (this.panel.hidden ? this.open() : this.close()),
        });
        const dock = h("div", { class: "dock" }, this.exitLink(), this.launchBtn);
        this.root = h("aside", { class: "launcher", "aria-label": "casebot chat" }, this.panel, dock, this.statusEl, this.announcer);
      } else {
        this.root = h("section", { class: "inline", "aria-labelledby": id("title") }, this.panel, this.statusEl, this.announcer);
      }
      this.shadowRoot.replaceChildren(this.root);
    }

    open() {
      this.panel.hidden = false;
      this.root.classList.add("open");
      this.launchBtn.setAttribute("aria-expanded", "true");
      this.fitViewport();
      this.input.focus();
    }

    close() {
      this.panel.hidden = true;
      this.root.classList.remove("open");
      this.launchBtn.setAttribute("aria-expanded", "false");
      this.launchBtn.focus();
    }

    shiftStatus(text) {
      if (this.statusEl) this.statusEl.textContent = text;
    }

    announce(text) {
      // One announcement per finished answer, never a token at a time.
      this.announcer.textContent = "";
      setTimeout(() => (this.announcer.textContent = text), 50);
    }

    forget() {
      if (this.inflight) this.inflight.abort();
      this.inflight = null;
      this.turns = [];
      if (this.log) this.log.replaceChildren();
      if (this.input) this.input.value = "";
    }

    clear() {
      this.forget();
      this.announce("Conversation cleared.");
      this.input.focus();
    }

    onSubmit(event) {
      event.preventDefault();
      const question = this.input.value.trim().slice(0, MAX_MESSAGE);
      if (!question) return;
      this.input.value = "";
      this.ask(question);
    }

    async ask(question) {
      if (this.inflight) this.inflight.abort();
      const controller = new AbortController();
      this.inflight = controller;
      const history = this.turns.slice(-MAX_TURNS);
      this.turns.push({ role: "user", content: question.slice(0, MAX_TURN_CHARS) });
      this.log.append(h("li", { class: "msg user" }, h("span", { class: "sr-only", text: "You said: " }), h("p", { text: question })));
      const reply = this.replyView();
      this.log.append(reply.item);
      const headers = { "content-type": "application/json", accept: "text/event-stream" };
      if (this.key) headers["X-Casebot-Key"] = this.key;
      try {
        const response = await fetch(`${this.api}/v1/chat/stream`, {
          method: "POST",
          headers,
          body: JSON.stringify({ message: question, history }),
          signal: controller.signal,
          credentials: "omit",
          cache: "no-store",
          referrerPolicy: "no-referrer",
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        for await (const event of events(response)) this.onEvent(reply, event);
      } catch (err) {
        if (controller.signal.aborted) return;
        reply.fail();
      } finally {
        if (this.inflight === controller) this.inflight = null;
      }
    }

    onEvent(reply, { name, data }) {
      if (name === "safety") reply.safety(data);
      else if (name === "delta") reply.delta(data.text);
      else if (name === "citations") reply.citations = data.citations;
      else if (name === "done") {
        reply.done(data.answer_id);
        this.turns.push({ role: "assistant", content: reply.text.slice(0, MAX_TURN_CHARS) });
        this.announce(`casebot replied: ${reply.spoken()}`);
      } else if (name === "error") reply.fail();
    }

    replyView() {
      const self = this;
      const safetyBox = h("div", { class: "safety", hidden: true });
      const answer = h("div", { class: "answer" }, h("p", { class: "typing", text: "casebot is answering…" }));
      const notes = h("div", { class: "notes" });
      const item = h("li", { class: "msg bot" }, h("span", { class: "sr-only", text: "casebot said: " }), safetyBox, answer, notes);
      const view = {
        item,
        text: "",
        citations: [],
        lead: "",
        safety(s) {
          if (!s.message && !s.signposts.length) return;
          safetyBox.hidden = false;
          if (s.message) safetyBox.append(h("p", { text: s.message }));
          if (s.signposts.length) safetyBox.append(h("ul", { class: "cards", "aria-label": "Support services" }, ...s.signposts.map(signpostCard)));
          view.lead = s.message || "";
          // Someone in danger hears 999 now, not after the answer.
          if (s.level === "urgent" && s.message) self.announce(s.message);
        },
        delta(text) {
          if (!view.text) answer.replaceChildren(h("p"));
          view.text += text;
          answer.firstChild.textContent = view.text;
        },
        done(answerId) {
          answer.replaceChildren(self.answerParagraph(view.text, view.citations, notes));
          // Only an answer can be rated: a reply that stopped at its safety event has no id.
          if (answerId && FEEDBACK) item.append(feedbackView(self, answerId));
        },
        spoken() {
          const plain = view.text.replace(MARKER, "").replace(/\s+([.,;:!?])/g, "$1");
          return view.lead && view.lead !== plain ? `${view.lead} ${plain}` : plain;
        },
        fail() {
          answer.replaceChildren(
            h("p", { text: "Sorry, casebot could not answer just now. Please try again. If you are in danger, call 999." }),
          );
          self.announce("casebot could not answer. If you are in danger, call 999.");
        },
      };
      return view;
    }

    // [n] markers become buttons that open the verbatim quote, section, page and source.
    answerParagraph(text, citations, notes) {
      const byN = new Map(citations.map((c) => [String(c.n), c]));
      const p = h("p");
      let last = 0;
      for (const match of text.matchAll(MARKER)) {
        const citation = byN.get(match[1]);
        if (!citation) continue;
        p.append(text.slice(last, match.index));
        p.append(this.footnote(citation, notes));
        last = match.index + match[0].length;
      }
      p.append(text.slice(last));
      return p;
    }

    footnote(c, notes) {
      const noteId = `${this.uid}-note-${++counter}`;
      const where = [c.title, c.section, c.page !== null && c.page !== undefined ? `page ${c.page}` : null].filter(Boolean).join(", ");
      const url = c.url ? safeUrl(c.url, null) : null;
      const note = h(
        "div",
        { class: "note", id: noteId, hidden: true },
        h("blockquote", { text: c.quote }),
        h("p", {}, `Source ${c.n}: ${where}`, url ? ". " : "", url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: "Open source" }) : null),
      );
      notes.append(note);
      const button = h("button", {
        type: "button",
        class: "ref",
        "aria-expanded": "false",
        "aria-controls": noteId,
        "aria-label": `Source ${c.n}`,
        text: `[${c.n}]`,
        onclick: () => {
          note.hidden = !note.hidden;
          button.setAttribute("aria-expanded", String(!note.hidden));
        },
      });
      return button;
    }

    get placedByHost() {
      return !this.hasAttribute("data-casebot-auto");
    }
  }

  customElements.define(TAG, CasebotChat);

  function mount() {
    if (document.querySelector(TAG)) return; // the host placed one: it is upgraded in place
    const el = document.createElement(TAG);
    el.setAttribute("data-casebot-auto", "");
    document.body.append(el);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
