// Loaded just before require.js and the widget manager (html-manager's embed-amd.js;
// see nb_ipywidgets_js in _config.yml). The manager is an AMD module named
// "@jupyter-widgets/html-manager/dist/libembed-amd" and fetches its icon fonts relative
// to that module's address, which require.js takes relative to the *page* unless told
// otherwise. Tell it (require.js reads a global `require` object as its configuration):
// the manager lives in _static/vendor/html-manager/, found from this script's own
// address, so it works on any server path and from disk.
(function () {
  const here = new URL("vendor/html-manager/", document.currentScript.src).href;
  window.__jupyter_widgets_assets_path__ = here;
  window.require = {paths: {"@jupyter-widgets/html-manager/dist": here.replace(/\/$/, "")}};
})();
