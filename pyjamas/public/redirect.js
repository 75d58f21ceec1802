// index.html -> the page named by this script's data-page attribute, keeping the query
// string (e.g. ?server=URL): a file rather than an inline script, so that the page server's
// Content-Security-Policy (script-src 'self') holds without 'unsafe-inline'.
location.replace(document.currentScript.dataset.page + location.search);
