/* LK Corporate: signing a document in the browser (templates/docsign/sign.html).

   The client's key never leaves this page. The key file is read with FileReader and opened
   here with node-forge (PKCS#12: OpenSSL 3 defaults, -legacy RC2-40/3DES, no MAC); its
   private key goes straight into WebCrypto as a non-extractable CryptoKey. What travels:
   the certificate chain (DER) to start, the signature value to finish. Nothing else.

     POST data-start-url   {certificates: [base64 DER, signer first]}
                           -> {session, to_be_signed, webcrypto, ...}
     crypto.subtle.sign(webcrypto, key, to_be_signed)
     POST data-finish-url  {signature: base64}  -> the document, «Подписан»
     POST data-send-url    {idempotency_key}    -> the document, «Получен» / «Отклонён»
     POST data-cancel-url  {}                   -> the document, «Ожидает подписи»

   Accounting software runs the same protocol under /api/v1/documents/<id>/... with a bearer
   token (the same operations, the same answers). Everything the
   page needs comes from the data-* attributes of #lk-sign (no inline script: strict CSP).
   pdf.js shows the document before and after signing, rendered into canvases.
*/

const OID = {
  rsa: "1.2.840.113549.1.1.1",
  ec: "1.2.840.10045.2.1",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  ed25519: "1.3.101.112",
  cn: "2.5.4.3",
  o: "2.5.4.10",
  title: "2.5.4.12",
  orgId: "2.5.4.97",
  inn: "1.2.643.3.131.1.1",
  innle: "1.2.643.100.4",
};
const KEY_NAMES = {
  [OID.p384]: "ECDSA P-384", [OID.p521]: "ECDSA P-521", [OID.ed25519]: "Ed25519",
  "1.2.643.7.1.1.1.1": "ГОСТ Р 34.10-2012 (256)", "1.2.643.7.1.1.1.2": "ГОСТ Р 34.10-2012 (512)",
  "1.2.643.2.2.19": "ГОСТ Р 34.10-2001", "1.2.840.10040.4.1": "DSA",
};
const MAX_PREVIEW_PAGES = 20;

class UserError extends Error {}

const root = document.getElementById("lk-sign");
if (root) {
  main(root);
}

function main(root) {
  const data = root.dataset;
  const messages = JSON.parse(data.messages);
  const statusKinds = JSON.parse(data.statusKinds);
  const registered = new Set(JSON.parse(data.registered).map((f) => f.toLowerCase()));
  const hook = (name) => root.querySelector(`[data-lk="${name}"]`);
  const el = {
    status: hook("status"), progress: hook("send-progress"), message: hook("message"),
    send: hook("send"), retry: hook("retry"), cancel: hook("cancel"),
    preview: hook("pdf-preview"), keyPanel: hook("key-panel"), keyForm: hook("key-form"),
    keyFile: hook("key-file"), password: hook("key-password"), certificate: hook("certificate"),
    sign: hook("sign"), signAndSend: hook("sign-and-send"), verdict: hook("cert-verdict"),
  };
  const state = { opened: null, openedFor: "", sendKey: null, busy: false };

  function t(key, params) {
    return (messages[key] || key).replace(/%\((\w+)\)s/g, (_, name) =>
      params && name in params ? String(params[name]) : "");
  }

  function say(kind, text) {
    el.message.className = `alert alert-${kind}`;
    el.message.textContent = text;
  }

  function shown(element, visible) {
    if (element) element.classList.toggle("d-none", !visible);
  }

  function setStatus(code, label) {
    el.status.textContent = label;
    el.status.className = `badge rounded-pill text-bg-${statusKinds[code] || "secondary"} lk-status`;
    root.dataset.status = code;
  }

  function setBusy(busy) {
    state.busy = busy;
    for (const b of [el.sign, el.signAndSend, el.send, el.retry, el.cancel, el.keyFile, el.password]) {
      if (b) b.disabled = busy;
    }
    root.setAttribute("aria-busy", busy ? "true" : "false");
  }

  // --- talking to the portal -----------------------------------------------------------------

  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json",
                   "X-CSRFToken": data.csrf },
        body: JSON.stringify(body || {}),
      });
    } catch (err) {
      throw new UserError(t("network_error"));
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (err) {
      payload = null;
    }
    if (!response.ok) {
      const error = new UserError(payload && payload.message
        ? payload.message : t("server_error", { status: response.status }));
      error.code = payload && payload.code;
      error.status = response.status;
      throw error;
    }
    return payload;
  }

  // --- the PDF ---------------------------------------------------------------------------------

  async function showPdf(url) {
    try {
      const pdfjs = await import(data.pdfjsSrc);
      pdfjs.GlobalWorkerOptions.workerSrc = data.pdfjsWorkerSrc;
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      // No WebAssembly decoders (the CSP has no 'wasm-unsafe-eval'; the portal's PDFs have
      // no JPX/JBIG2 images), no scripting, no XFA.
      const task = pdfjs.getDocument({ data: bytes, useWasm: false, enableXfa: false });
      const pdf = await task.promise;
      const canvases = [];
      const pages = Math.min(pdf.numPages, MAX_PREVIEW_PAGES);
      for (let n = 1; n <= pages; n += 1) {
        const page = await pdf.getPage(n);
        const width = Math.max(el.preview.clientWidth, 300);
        const base = page.getViewport({ scale: 1 });
        const viewport = page.getViewport({ scale: (width / base.width) * (window.devicePixelRatio || 1) });
        const canvas = document.createElement("canvas");
        canvas.width = Math.floor(viewport.width);
        canvas.height = Math.floor(viewport.height);
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", t("page", { n, total: pdf.numPages }));
        canvas.dataset.lk = "pdf-page";
        await page.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
        canvases.push(canvas);
      }
      el.preview.replaceChildren(...canvases);
      el.preview.dataset.pages = String(pdf.numPages);
      await task.destroy();
    } catch (err) {
      console.warn("pdf.js could not show the document:", err);
      const note = document.createElement("p");
      note.className = "text-body-secondary";
      note.textContent = t("preview_failed");
      el.preview.replaceChildren(note);
      el.preview.dataset.pages = "0";
    }
  }

  // --- the key file ------------------------------------------------------------------------------

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(new Uint8Array(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsArrayBuffer(file);
    });
  }

  function toBinary(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return out;
  }

  function fromBinary(text) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i);
    return out;
  }

  const toBase64 = (bytes) => btoa(toBinary(bytes));
  const fromBase64 = (text) => fromBinary(atob(text));
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  /* Open a PKCS#12 file with forge. Three adjustments, undone afterwards:
     - certificates and keys are kept as forge parsed them (ASN.1), never as forge's own
       objects: re-encoding a parsed DER tree gives back the exact bytes (the certificate must
       stay byte-identical), and forge's key objects know only RSA (not EC keys);
     - PBES2 (OpenSSL 3's default) derives its key from the password's UTF-8 bytes, while
       the PKCS#12 MAC and the legacy ciphers use its BMPString, which forge makes from the
       string itself: forge's PBKDF2 gets the UTF-8 form, so a Cyrillic password works. */
  function openPkcs12(bytes, password) {
    let asn;
    try {
      asn = forge.asn1.fromDer(toBinary(bytes), false);
    } catch (err) {
      throw new UserError(t("not_pkcs12"));
    }
    const saved = [forge.pki.certificateFromAsn1, forge.pki.privateKeyFromAsn1, forge.pkcs5.pbkdf2];
    forge.pki.certificateFromAsn1 = () => { throw new Error("keep the ASN.1"); };
    forge.pki.privateKeyFromAsn1 = () => { throw new Error("keep the ASN.1"); };
    forge.pkcs5.pbkdf2 = (pass, ...rest) => saved[2](forge.util.encodeUtf8(pass), ...rest);
    let p12;
    try {
      p12 = forge.pkcs12.pkcs12FromAsn1(asn, false, password);
    } catch (err) {
      const text = String(err && err.message);
      if (/PKCS#12 PFX|AuthenticatedSafe|not an PKCS#12/.test(text)) throw new UserError(t("not_pkcs12"));
      if (/[Uu]nsupported/.test(text) && !/ShroudedKeyBag/.test(text)) {
        throw new UserError(t("unsupported_cipher", { detail: err.oid || text }));
      }
      throw new UserError(t("wrong_password"));
    } finally {
      [forge.pki.certificateFromAsn1, forge.pki.privateKeyFromAsn1, forge.pkcs5.pbkdf2] = saved;
    }
    const keys = [];
    const certs = [];
    for (const contents of p12.safeContents) {
      for (const bag of contents.safeBags) {
        const localKeyId = bag.attributes.localKeyId ? bag.attributes.localKeyId[0] : null;
        if (!bag.asn1) continue;
        const der = fromBinary(forge.asn1.toDer(bag.asn1).getBytes());
        if (bag.type === forge.pki.oids.certBag) certs.push({ der, localKeyId });
        else if (bag.type === forge.pki.oids.keyBag || bag.type === forge.pki.oids.pkcs8ShroudedKeyBag) {
          keys.push({ der, asn1: bag.asn1, localKeyId });
        }
      }
    }
    return { keys, certs };
  }

  /* PrivateKeyInfo → the WebCrypto algorithms for it, or a refusal naming the key type. */
  function keyAlgorithm(privateKeyInfo) {
    const algorithm = privateKeyInfo.value[1];
    const oid = forge.asn1.derToOid(algorithm.value[0].value);
    if (oid === OID.rsa) {
      return { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
               verify: { name: "RSASSA-PKCS1-v1_5" } };
    }
    if (oid === OID.ec) {
      const params = algorithm.value[1];
      const curve = params && params.type === forge.asn1.Type.OID ? forge.asn1.derToOid(params.value) : "";
      if (curve === OID.p256) {
        return { import: { name: "ECDSA", namedCurve: "P-256" },
                 verify: { name: "ECDSA", hash: "SHA-256" } };
      }
      throw new UserError(t("unsupported_key", { detail: KEY_NAMES[curve] || `ECDSA ${curve}` }));
    }
    throw new UserError(t("unsupported_key", { detail: KEY_NAMES[oid] || oid }));
  }

  // --- certificates (read with forge's ASN.1 only) -------------------------------------------------

  function text(value) {
    if (value.type === forge.asn1.Type.UTF8) return forge.util.decodeUtf8(value.value);
    if (value.type === forge.asn1.Type.BMPSTRING) {
      let out = "";
      for (let i = 0; i + 1 < value.value.length; i += 2) {
        out += String.fromCharCode((value.value.charCodeAt(i) << 8) | value.value.charCodeAt(i + 1));
      }
      return out;
    }
    return value.value;
  }

  function nameAttributes(name) {
    const out = [];
    for (const rdn of name.value) {
      for (const atv of rdn.value) {
        out.push([forge.asn1.derToOid(atv.value[0].value), text(atv.value[1])]);
      }
    }
    return out;
  }

  function time(value) {
    return value.type === forge.asn1.Type.UTCTIME
      ? forge.asn1.utcTimeToDate(value.value) : forge.asn1.generalizedTimeToDate(value.value);
  }

  function normalizeTaxId(value) {
    let v = value.trim().toUpperCase().replace(/^(?:[A-Z]{3}RU)[-:]?/, "").replace(/[\s-]/g, "");
    if (v.length === 12 && v.startsWith("00")) v = v.slice(2);
    return v;
  }

  function parseCertificate(der) {
    const cert = forge.asn1.fromDer(toBinary(der));
    const tbs = cert.value[0].value;
    const i = tbs[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
    const subject = nameAttributes(tbs[i + 4]);
    const issuer = nameAttributes(tbs[i + 2]);
    const first = (attrs, oid) => (attrs.find(([o]) => o === oid) || [])[1] || "";
    const taxIds = [...new Set(subject.filter(([o]) => o === OID.inn || o === OID.innle || o === OID.orgId)
      .map(([, v]) => normalizeTaxId(v)).filter((v) => /^\d{10}(\d{2})?$/.test(v)))];
    return {
      der,
      subjectKey: forge.asn1.toDer(tbs[i + 4]).getBytes(),
      issuerKey: forge.asn1.toDer(tbs[i + 2]).getBytes(),
      spki: fromBinary(forge.asn1.toDer(tbs[i + 5]).getBytes()),
      serial: hex(fromBinary(tbs[i].value)).replace(/^(00)+(?=.)/, "").toUpperCase(),
      notBefore: time(tbs[i + 3].value[0]),
      notAfter: time(tbs[i + 3].value[1]),
      person: first(subject, OID.cn),
      organization: first(subject, OID.o),
      taxIds,
      taxId: first(subject, OID.innle) ? normalizeTaxId(first(subject, OID.innle)) : (taxIds[0] || ""),
      issuer: first(issuer, OID.cn) || first(issuer, OID.o),
    };
  }

  /* The signer first, then its issuers found in the file (by name), in order. */
  function orderChain(leaf, others) {
    const chain = [leaf];
    let current = leaf;
    while (current.issuerKey !== current.subjectKey && chain.length < 8) {
      const next = others.find((c) => c.subjectKey === current.issuerKey && !chain.includes(c));
      if (!next) break;
      chain.push(next);
      current = next;
    }
    return chain;
  }

  async function keyMatches(key, algorithm, cert) {
    try {
      const publicKey = await crypto.subtle.importKey("spki", cert.spki, algorithm.import, false, ["verify"]);
      const probe = crypto.getRandomValues(new Uint8Array(32));
      const signature = await crypto.subtle.sign(algorithm.verify, key, probe);
      return await crypto.subtle.verify(algorithm.verify, publicKey, signature, probe);
    } catch (err) {
      return false;
    }
  }

  async function openKey() {
    const file = el.keyFile.files[0];
    if (!file) throw new UserError(t("choose_file"));
    const password = el.password.value;
    const fingerprint = `${file.name}\u0000${file.size}\u0000${file.lastModified}\u0000${password}`;
    if (state.opened && state.openedFor === fingerprint) return state.opened;
    state.opened = null;
    say("info", t("opening"));
    // Let the message paint: opening a file with 100 000 PBKDF2 rounds takes a moment.
    await new Promise((resolve) => window.setTimeout(resolve, 30));
    const bytes = await readFile(file);
    let parsed;
    try {
      parsed = openPkcs12(bytes, password);
    } finally {
      bytes.fill(0);
    }
    if (!parsed.keys.length) throw new UserError(t("no_key"));
    if (!parsed.certs.length) throw new UserError(t("no_certificate"));
    const keyInfo = parsed.keys[0];
    const algorithm = keyAlgorithm(keyInfo.asn1);
    let key;
    try {
      key = await crypto.subtle.importKey("pkcs8", keyInfo.der, algorithm.import, false, ["sign"]);
    } catch (err) {
      throw new UserError(t("unsupported_key", { detail: String(err && err.message) }));
    } finally {
      keyInfo.der.fill(0);
    }
    const certs = parsed.certs.map((c) => Object.assign(parseCertificate(c.der), { localKeyId: c.localKeyId }));
    // The key's certificate: the one with its localKeyId, else whichever its key verifies.
    const ordered = certs.filter((c) => keyInfo.localKeyId && c.localKeyId === keyInfo.localKeyId)
      .concat(certs.filter((c) => !(keyInfo.localKeyId && c.localKeyId === keyInfo.localKeyId)));
    let leaf = null;
    for (const cert of ordered) {
      if (await keyMatches(key, algorithm, cert)) { leaf = cert; break; }
    }
    if (!leaf) throw new UserError(keyInfo.localKeyId && ordered.length ? t("key_mismatch") : t("no_certificate"));
    const chain = orderChain(leaf, certs.filter((c) => c !== leaf));
    leaf.fingerprint = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", leaf.der)));
    const opened = { key, algorithm, chain, leaf, refusal: refusal(leaf) };
    state.opened = opened;
    state.openedFor = fingerprint;
    return opened;
  }

  function refusal(cert) {
    const now = new Date();
    const day = (d) => d.toLocaleDateString(document.documentElement.lang || "ru");
    if (now < cert.notBefore) return t("not_yet_valid", { date: day(cert.notBefore) });
    if (now > cert.notAfter) return t("expired", { date: day(cert.notAfter) });
    const clientTaxId = normalizeTaxId(data.clientTaxId || "");
    if (!cert.taxIds.includes(clientTaxId) && !registered.has(cert.fingerprint)) {
      return t("other_client", { found: cert.taxIds.join(", ") || t("no_tax_id"),
                                 client: data.clientName, tax_id: data.clientTaxId });
    }
    return null;
  }

  function showCertificate(opened) {
    const cert = opened.leaf;
    const day = (d) => d.toLocaleDateString(document.documentElement.lang || "ru");
    const put = (name, value) => { hook(name).textContent = value || "—"; };
    put("cert-person", cert.person);
    put("cert-organization", cert.organization);
    put("cert-tax-id", cert.taxIds.join(", "));
    put("cert-validity", `${day(cert.notBefore)} – ${day(cert.notAfter)}`);
    put("cert-issuer", cert.issuer);
    put("cert-serial", cert.serial);
    el.verdict.className = `alert mb-0 py-2 small alert-${opened.refusal ? "danger" : "success"}`;
    el.verdict.textContent = opened.refusal || t("ready");
    shown(el.certificate, true);
  }

  async function openAndShow() {
    const opened = await openKey();
    showCertificate(opened);
    if (opened.refusal) say("danger", opened.refusal);
    else shown(el.message, false);
    return opened;
  }

  function forgetKey() {
    state.opened = null;
    state.openedFor = "";
    if (el.password) el.password.value = "";
  }

  // --- signing, sending, cancelling --------------------------------------------------------------

  async function sign(andSend) {
    if (state.busy) return;
    setBusy(true);
    shown(el.message, true);
    let document_ = null;
    try {
      const opened = await openAndShow();
      if (opened.refusal) return;
      shown(el.message, true);
      say("info", t("preparing"));
      const started = await post(data.startUrl, { certificates: opened.chain.map((c) => toBase64(c.der)) });
      say("info", t("signing"));
      const algorithm = Object.assign({}, started.webcrypto);
      delete algorithm.namedCurve;
      const signature = new Uint8Array(await crypto.subtle.sign(algorithm, opened.key, fromBase64(started.to_be_signed)));
      say("info", t("finishing"));
      document_ = await post(data.finishUrl.replace("SESSION", encodeURIComponent(started.session)),
                             { signature: toBase64(signature) });
      forgetKey();
      setStatus(document_.status, document_.status_label);
    } catch (err) {
      say("danger", err instanceof UserError ? err.message : t("failed", { detail: String(err && err.message) }));
      if (state.opened && /^(certificate_|unsupported_key)/.test(err.code || "")) {
        // The portal refused the certificate before anything was signed (revoked, not
        // trusted…): say so beside it, and do not offer it again.
        state.opened.refusal = err.message;
        showCertificate(state.opened);
      }
      return;
    } finally {
      setBusy(false);
    }
    if (!andSend) {
      // "After": the signed PDF, every signature's report, Send and Cancel (rendered by the portal).
      window.location.reload();
      return;
    }
    shown(el.keyPanel, false);
    say("success", t("signed"));
    showPdf(document_.links.file);
    await send();
  }

  async function send() {
    if (state.busy) return;
    state.sendKey = state.sendKey || crypto.randomUUID();
    setBusy(true);
    shown(el.send, false);
    shown(el.retry, false);
    shown(el.cancel, false);
    shown(el.progress, true);  // the row shows the progress
    shown(el.message, false);
    try {
      await post(data.sendUrl, { idempotency_key: state.sendKey });
    } catch (err) {
      setBusy(false);
      shown(el.progress, false);
      if (err.code === "not_signed") {
        window.location.reload();
        return;
      }
      say("danger", t("send_failed", { detail: err instanceof UserError ? err.message : String(err) }));
      shown(el.retry, true);
      shown(el.cancel, true);
      el.retry.focus();
      return;
    }
    window.location.reload();
  }

  async function cancel() {
    if (state.busy) return;
    setBusy(true);
    say("info", t("cancelling"));
    try {
      await post(data.cancelUrl, {});
    } catch (err) {
      setBusy(false);
      say("danger", err.message);
      if (err.code === "not_signed") window.location.reload();
      return;
    }
    window.location.reload();
  }

  function guarded(action) {
    return (event) => {
      if (event) event.preventDefault();
      action().catch((err) => {
        setBusy(false);
        say("danger", err instanceof UserError ? err.message : t("failed", { detail: String(err && err.message) }));
      });
    };
  }

  if (el.keyForm) {
    el.keyForm.addEventListener("submit", guarded(async () => {
      setBusy(true);
      try { await openAndShow(); } finally { setBusy(false); }
    }));
  }
  if (el.sign) el.sign.addEventListener("click", guarded(() => sign(false)));
  if (el.signAndSend) el.signAndSend.addEventListener("click", guarded(() => sign(true)));
  el.send.addEventListener("click", guarded(send));
  el.retry.addEventListener("click", guarded(send));
  el.cancel.addEventListener("click", guarded(cancel));
  // The buttons come disabled from the server: a click before this script has wired them
  // (the page still loading after a reload) would do nothing at all.
  setBusy(false);
  const openKeyButton = hook("open-key");
  if (openKeyButton) openKeyButton.disabled = false;
  showPdf(data.pdfUrl);
}
