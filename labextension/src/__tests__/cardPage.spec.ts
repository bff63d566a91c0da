import {
  installRestartHandler,
  installTimeLocaliser,
  localiseTimes
} from '../cardPage';
import { RESTART_CLASS, TIME_CLASS } from '../contract';
import { formatDay, formatWhen } from '../format';

/** The status HTML the kernel's card writes (kernel/card_time.py `Moment.html`). */
const KERNEL_STATUS =
  'Resolved by IT on <time class="jp-ITBridge-time" datetime="2026-12-01T07:19:40+00:00"' +
  ' data-style="day">2026-12-01</time>: restart the kernel to use it.' +
  ' Next try <time class="jp-ITBridge-time" datetime="2026-12-01T07:19:40+00:00"' +
  ' data-style="when">2026-12-01 07:19 UTC</time>';

const tick = () => new Promise(resolve => setTimeout(resolve, 0));

describe('kernel card dates', () => {
  afterEach(() => {
    document.body.innerHTML = '';
    document.documentElement.lang = 'en';
  });

  it('are rewritten in the page language, as the frontend writes its own', () => {
    document.documentElement.lang = 'de';
    const status = document.createElement('div');
    status.innerHTML = KERNEL_STATUS;
    expect(localiseTimes(status)).toBe(2);
    const [day, when] = Array.from(status.querySelectorAll('time'));
    expect(day.textContent).toBe(formatDay('2026-12-01T07:19:40+00:00'));
    expect(day.textContent).toBe('01.12.26');
    expect(when.textContent).toBe(formatWhen('2026-12-01T07:19:40+00:00'));
    expect(when.textContent).toMatch(/^01\.12\.26, \d\d:19$/);
    expect(status.textContent).not.toContain('UTC');
    expect(day.getAttribute('title')).toBe(when.textContent);
  });

  it('keep the kernel text when the browser cannot read the date', () => {
    const status = document.createElement('div');
    status.innerHTML = `<time class="${TIME_CLASS}" datetime="soon" data-style="day">soon</time>`;
    expect(localiseTimes(status)).toBe(0);
    expect(status.textContent).toBe('soon');
  });

  it('are localised as widget updates add them', async () => {
    document.documentElement.lang = 'en';
    const stop = installTimeLocaliser(document.body);
    const card = document.createElement('div');
    card.className = 'jp-ITBridge-card';
    document.body.append(card);
    card.innerHTML = KERNEL_STATUS; // what an ipywidgets HTML view does on each update
    await tick();
    const day = card.querySelector('time') as HTMLTimeElement;
    expect(day.textContent).toBe('12/1/26');
    expect(day.dataset.localised).toBe('true');
    stop();
    card.innerHTML = KERNEL_STATUS;
    await tick();
    expect(card.querySelector('time')?.textContent).toBe('2026-12-01');
  });
});

describe('Restart kernel on a card', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it("asks for the restart of the button's notebook, and only for a card's button", () => {
    const asked: Element[] = [];
    const stop = installRestartHandler(button => asked.push(button));
    document.body.innerHTML =
      '<div class="jp-ITBridge-card"><div class="widget-hbox">' +
      `<button class="jupyter-button widget-button ${RESTART_CLASS}"><i></i>Restart kernel</button>` +
      `</div></div><button class="${RESTART_CLASS}">elsewhere</button>`;
    const [inCard, elsewhere] = Array.from(
      document.querySelectorAll<HTMLButtonElement>(`.${RESTART_CLASS}`)
    );
    (inCard.querySelector('i') as HTMLElement).click(); // a click on the icon inside
    elsewhere.click();
    expect(asked).toEqual([inCard]);
    stop();
    inCard.click();
    expect(asked).toEqual([inCard]);
  });
});
