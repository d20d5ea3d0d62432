// Draws every chart of a page from its compiled Vega spec (kursk_edition/charts/render.py).
window.vegaEmbed = vegaEmbed;
window.vega = vega;
// Accessibility fixes, applied once a chart is drawn (tests/test_accessibility.py checks them).
function kurskAccessible(el) {
  // Each bound input gets its label text, without the value read-out, as its accessible name.
  el.querySelectorAll('.vega-bind').forEach((bind) => {
    const name = bind.querySelector('.vega-bind-name');
    bind.querySelectorAll('input:not([type=radio]), select').forEach((input) => {
      if (name && !input.hasAttribute('aria-label')) {
        input.setAttribute('aria-label', name.textContent.trim());
      }
    });
  });
  // Vega gives a mark container role "graphics-symbol" with no name when none of its items has a
  // description (an empty layer, say), which axe reports as an image without a text alternative.
  // Hide such containers from assistive technology while they are unnamed; redraws can change
  // that, so check again after each.
  const hideUnnamed = () => el.querySelectorAll('svg g.role-mark').forEach((g) => {
    const unnamed = g.getAttribute('role') === 'graphics-symbol' && !g.getAttribute('aria-label');
    if (unnamed) {
      g.setAttribute('aria-hidden', 'true');
      g.dataset.kurskHidden = 'true';
    } else if (g.dataset.kurskHidden) {
      g.removeAttribute('aria-hidden');
      delete g.dataset.kurskHidden;
    }
  });
  hideUnnamed();
  new MutationObserver(hideUnnamed).observe(el, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['role', 'aria-label'],
  });
}
// One chart at a time, in page order, with a frame between them: drawn together, every chart
// waits for all of them, and a reader waits longer for the first.
async function kurskDrawAll() {
  for (const el of document.querySelectorAll('div.__CHART_CLASS__[data-spec-id]')) {
    const spec = JSON.parse(document.getElementById(el.dataset.specId).textContent);
    try {
      const result = await vegaEmbed(el, spec, {actions: false, renderer: 'svg'});
      el.kurskView = result.view;
      kurskAccessible(el);
      el.dataset.rendered = 'true';
      // For make bench: when the first chart on the page was drawn.
      window.kurskFirstChartMs = window.kurskFirstChartMs || performance.now();
    } catch (err) {
      el.dataset.rendered = 'error';
      console.error('chart ' + el.id + ' failed to render', err);
    }
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  }
}
if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', kurskDrawAll);
} else {
  kurskDrawAll();
}
