// Citation cards (loaded by kursk_edition/book/reader.py on pages with a citation): hovering, focusing or tapping an author-year citation shows the full reference
// and its link in a card beside it, without leaving the paragraph. On the bibliography page, the
// entry a citation leads to is highlighted (CSS :target) and offers a link back to the text.
//
// Where the reference comes from, in order:
// 1. data-ref (the formatted entry, plain text) and data-ref-url on the citation link, if the
//    build writes them;
// 2. the title attribute sphinxcontrib-bibtex already writes on every citation link: the
//    formatted entry as plain text, "URL: https://..." in it. The title is moved to data-ref so
//    the browser's own tooltip does not cover the card.
// Nothing is fetched; everything is text (textContent), never markup.
(() => {
  'use strict';

  const CITATION = 'span.bibtex-citation a[href*="#"], a.kursk-cite[href*="#"]';
  const SHOW_DELAY = 120;
  const HIDE_DELAY = 300;
  const BACK_KEY = 'kursk-cite-from';

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Only http(s) links, and only what the reference text names as its URL.
  function safeUrl(text) {
    try {
      const url = new URL(text);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function reference(link) {
    if (!link.dataset.ref && link.hasAttribute('title')) {
      link.dataset.ref = link.getAttribute('title');
      link.removeAttribute('title');
    }
    const text = link.dataset.ref || '';
    let url = link.dataset.refUrl ? safeUrl(link.dataset.refUrl) : null;
    let body = text;
    const match = text.match(/\s*URL:\s*(\S+?)(?=\s+\(visited|\s*$)/);
    if (match) {
      url = url || safeUrl(match[1].replace(/[.,;]$/, ''));
      body = text.slice(0, match.index) + text.slice(match.index + match[0].length);
    }
    return {text: body.trim(), url};
  }

  let card = null;
  let owner = null;
  let showTimer = null;
  let hideTimer = null;

  function makeCard() {
    card = el('span', {class: 'kursk-cite-card', id: 'kursk-cite-card', role: 'group',
      'aria-label': 'Reference'});
    card.hidden = true;
    card.addEventListener('mouseenter', () => clearTimeout(hideTimer));
    card.addEventListener('mouseleave', () => scheduleHide());
    card.addEventListener('focusout', (event) => {
      if (!card.contains(event.relatedTarget) && event.relatedTarget !== owner) scheduleHide(0);
    });
    card.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        const back = owner;
        hide();
        if (back) back.focus();
      }
    });
    return card;
  }

  function fill(link) {
    const ref = reference(link);
    card.replaceChildren();
    card.appendChild(el('span', {class: 'kursk-cite-text'}, ref.text || link.textContent));
    const links = el('span', {class: 'kursk-cite-links'});
    if (ref.url) {
      const source = el('a', {href: ref.url, class: 'kursk-cite-source', rel: 'noopener'},
        'Open the source');
      links.appendChild(source);
      links.appendChild(el('span', {class: 'kursk-cite-host'}, ` (${new URL(ref.url).hostname})`));
    }
    const entry = el('a', {href: link.getAttribute('href'), class: 'kursk-cite-entry'},
      'Entry in the bibliography');
    entry.addEventListener('click', () => rememberOrigin(link));
    links.appendChild(entry);
    card.appendChild(links);
  }

  function place(link) {
    // In the flow right after the citation, so Tab moves from the citation into the card.
    if (card.previousSibling !== link) link.after(card);
    card.hidden = false;
    card.style.left = '0px';
    card.style.top = '0px';
    const margin = 8;
    const width = Math.min(card.offsetWidth, document.documentElement.clientWidth - 2 * margin);
    const box = link.getBoundingClientRect();
    const parent = card.offsetParent || document.body;
    const origin = parent.getBoundingClientRect();
    let left = Math.min(box.left, document.documentElement.clientWidth - margin - width);
    left = Math.max(margin, left);
    let top = box.bottom + 6;
    const height = card.offsetHeight;
    if (top + height > window.innerHeight && box.top - height - 6 > 0) top = box.top - height - 6;
    if (parent === document.body || parent === document.documentElement) {
      card.style.left = `${left + window.scrollX}px`;
      card.style.top = `${top + window.scrollY}px`;
    } else {
      card.style.left = `${left - origin.left - parent.clientLeft + parent.scrollLeft}px`;
      card.style.top = `${top - origin.top - parent.clientTop + parent.scrollTop}px`;
    }
  }

  function show(link) {
    clearTimeout(hideTimer);
    clearTimeout(showTimer);
    if (!card) makeCard();
    if (owner && owner !== link) owner.removeAttribute('aria-describedby');
    owner = link;
    fill(link);
    place(link);
    link.setAttribute('aria-describedby', card.id);
  }

  function hide() {
    clearTimeout(hideTimer);
    clearTimeout(showTimer);
    if (!card) return;
    card.hidden = true;
    if (owner) owner.removeAttribute('aria-describedby');
    owner = null;
  }

  function scheduleHide(delay = HIDE_DELAY) {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, delay);
  }

  function rememberOrigin(link) {
    const span = link.closest('[id]');
    try {
      sessionStorage.setItem(BACK_KEY, JSON.stringify({
        page: window.location.pathname + window.location.search,
        anchor: span ? span.id : '',
        title: document.title,
        target: new URL(link.href, window.location.href).href,
      }));
    } catch (err) {
      // Storage off: the link back uses the referrer instead.
    }
  }

  function citationOf(node) {
    if (!(node instanceof Element) || (card && card.contains(node))) return null;
    return node.closest(CITATION);
  }

  function wireCitations() {
    const links = document.querySelectorAll(CITATION);
    if (!links.length) return;
    links.forEach((link) => reference(link)); // the native tooltip goes; the card replaces it
    let lastPointer = 'mouse';
    // Whether the card of the citation a finger went down on was already open: focus (which
    // comes before the click) opens it too, so the click alone cannot tell.
    let openBeforeTap = false;
    document.addEventListener('pointerdown', (event) => {
      lastPointer = event.pointerType;
      const link = citationOf(event.target);
      openBeforeTap = Boolean(link && card && !card.hidden && owner === link);
    }, true);
    document.addEventListener('mouseover', (event) => {
      const link = citationOf(event.target);
      if (!link || link === owner) return;
      clearTimeout(showTimer);
      showTimer = setTimeout(() => show(link), SHOW_DELAY);
    });
    document.addEventListener('mouseout', (event) => {
      const link = citationOf(event.target);
      if (!link) return;
      clearTimeout(showTimer);
      if (link === owner && !(card && card.contains(event.relatedTarget))) scheduleHide();
    });
    document.addEventListener('focusin', (event) => {
      const link = citationOf(event.target);
      if (link) show(link);
      else if (card && !card.contains(event.target)) hide();
    });
    document.addEventListener('focusout', (event) => {
      const link = citationOf(event.target);
      if (link && link === owner && !(card && card.contains(event.relatedTarget))) scheduleHide(0);
    });
    document.addEventListener('click', (event) => {
      const link = citationOf(event.target);
      if (!link) {
        if (card && !card.hidden && !card.contains(event.target)) hide();
        return;
      }
      // A tap shows the card first; a second tap (or the card's link) follows the citation.
      if (lastPointer === 'touch' && !openBeforeTap) {
        event.preventDefault();
        show(link);
        return;
      }
      rememberOrigin(link);
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && owner) {
        const back = owner;
        hide();
        back.focus();
      }
    });
  }

  // On the page a citation leads to: a link back to where the reader was.
  function offerWayBack() {
    if (!window.location.hash) return;
    let target;
    try {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    } catch (err) {
      return;
    }
    if (!target || !target.matches('div.citation, .citation, dd, li')) return;
    let back = null;
    try {
      const saved = JSON.parse(sessionStorage.getItem(BACK_KEY) || 'null');
      if (saved && saved.target === window.location.href) {
        const url = new URL(saved.page, window.location.href);
        if (url.origin === window.location.origin) {
          url.hash = saved.anchor || '';
          back = {href: url.href, title: saved.title};
        }
      }
    } catch (err) {
      back = null;
    }
    if (!back && document.referrer) {
      const url = new URL(document.referrer);
      if (url.origin === window.location.origin && url.pathname !== window.location.pathname) {
        back = {href: url.href, title: ''};
      }
    }
    if (!back) return;
    target.querySelectorAll('.kursk-cite-back').forEach((n) => n.remove());
    const title = (back.title || '').replace(/\s+[—–-]\s+.*$/, '');
    const link = el('a', {href: back.href, class: 'kursk-cite-back'},
      title ? `Back to the text (${title})` : 'Back to the text');
    link.addEventListener('click', (event) => {
      // Back in history keeps the reader's scroll position; the href is the fallback.
      if (history.length > 1 && document.referrer
          && new URL(document.referrer).origin === window.location.origin) {
        event.preventDefault();
        history.back();
      }
    });
    const holder = el('p', {class: 'kursk-cite-back-holder'});
    holder.appendChild(link);
    target.appendChild(holder);
  }

  function start() {
    wireCitations();
    offerWayBack();
    window.addEventListener('hashchange', offerWayBack);
    document.documentElement.dataset.kurskCiteCards = 'ready';
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
