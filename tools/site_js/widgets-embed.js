// ---------------------------------------------------------------------------------------------------
// widgets-embed.js: renders the widgets saved in a book page, without a kernel and without a network.
//
// Bundled by tools/vendor_assets.py (esbuild, pinned in package-lock.json) into one file,
// _static/offline/widgets.js, loaded only by pages that show widgets (myst-nb's nb_ipywidgets_js). It
// replaces @jupyter-widgets/html-manager's embed bundle (2.8 MB: the output widget, a MIME renderer
// registry, a schema validator, Font Awesome), keeping what the book's pages use: the core widget
// models and views (@jupyter-widgets/base and controls, the versions html-manager 1.0.x pins) and
// anywidget's front end (from its PyPI wheel), which runs the explorers' own ES modules.
//
// What it does is what html-manager's renderWidgets does: read the page's saved widget state, create
// the models, and draw a view in place of every widget-view script whose model it knows.
// ---------------------------------------------------------------------------------------------------
import * as base from "@jupyter-widgets/base";
import * as controls from "@jupyter-widgets/controls";
import { ManagerBase } from "@jupyter-widgets/base-manager";
import { MessageLoop } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import anywidgetFactory from "anywidget-amd";
import widgetsCss from "widgets-css";

const STATE_TYPE = "application/vnd.jupyter.widget-state+json";
const VIEW_TYPE = "application/vnd.jupyter.widget-view+json";
const MODULES = {
  "@jupyter-widgets/base": base,
  "@jupyter-widgets/controls": controls,
  anywidget: anywidgetFactory(base),
};

function addStyle(css, name) {
  const style = document.createElement("style");
  style.dataset.source = name;
  style.textContent = css;
  document.head.appendChild(style);
}

// The core widgets typeset their labels with MathJax 2's MathJax.Hub.Queue(["Typeset", MathJax.Hub, el]);
// the book runs MathJax 3, which has no Hub: give every MathJax object one that forwards to typesetPromise.
function shimMathJaxHub() {
  let current;
  const addHub = (mathjax) => {
    if (mathjax && typeof mathjax === "object" && !mathjax.Hub) {
      Object.defineProperty(mathjax, "Hub", {
        enumerable: false, configurable: true, writable: true,
        value: {
          Queue(job) {
            const el = job && job[2];
            if (current && typeof current.typesetPromise === "function") {
              current.typesetPromise(el ? [el] : undefined).catch(() => {});
            }
          },
        },
      });
    }
    return mathjax;
  };
  current = addHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true, enumerable: true,
    get: () => current,
    set: (value) => { current = addHub(value); },
  });
}

class BookManager extends ManagerBase {
  constructor() {
    super();
    this.views = new Set();
    window.addEventListener("resize", () => {
      for (const view of this.views) MessageLoop.postMessage(view.luminoWidget, Widget.ResizeMessage.UnknownSize);
    });
  }

  async loadClass(className, moduleName, moduleVersion) {
    const module = MODULES[moduleName];
    if (!module) throw new Error(`widgets.js: no module ${moduleName}@${moduleVersion} in the book's bundle`);
    if (!module[className]) throw new Error(`widgets.js: no class ${className} in ${moduleName}@${moduleVersion}`);
    return module[className];
  }

  async display(view, el) {
    Widget.attach(view.luminoWidget, el);
    this.views.add(view);
    view.once("remove", () => this.views.delete(view));
  }

  _get_comm_info() {
    return Promise.resolve({});
  }

  _create_comm() {
    return Promise.resolve({ on_close() {}, on_msg() {}, close() {} });
  }
}

// noUiSlider's handle (role="slider") gets no accessible name from the widget's <label>: name it by that label
// (aria-labelledby), so a screen reader says "forget gate f, slider, 0.95".
let labelCount = 0;
function nameSliders(root) {
  for (const handle of root.querySelectorAll('.noUi-handle[role="slider"]:not([aria-labelledby])')) {
    const label = handle.closest(".widget-slider, .jupyter-widgets")?.querySelector(":scope > label.widget-label");
    if (!label || !label.textContent.trim()) continue;
    if (!label.id) label.id = `lk-widget-label-${++labelCount}`;
    handle.setAttribute("aria-labelledby", label.id);
  }
}

async function renderState(stateTag) {
  const manager = new BookManager();
  const models = await manager.set_state(JSON.parse(stateTag.textContent));
  const byId = new Map(models.map((m) => [m.model_id, m]));
  await Promise.all(Array.from(document.querySelectorAll(`script[type="${VIEW_TYPE}"]`)).map(async (tag) => {
    const model = byId.get(JSON.parse(tag.textContent).model_id);
    if (!model || !tag.parentElement) return;
    const area = document.createElement("div");
    area.className = "widget-subarea";
    tag.parentElement.insertBefore(area, tag);
    await manager.display(await manager.create_view(model), area);
    nameSliders(area);
    new MutationObserver(() => nameSliders(area)).observe(area, { childList: true, subtree: true });
  }));
}

function main() {
  addStyle(widgetsCss, "widgets.css");
  const states = document.querySelectorAll(`script[type="${STATE_TYPE}"]`);
  return Promise.all(Array.from(states).map(renderState)).catch((err) => {
    console.error("widgets.js: could not render the page's widgets:", err);
  });
}

shimMathJaxHub();
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
