/** The map's controls: back to the whole view, and what the points are coloured by (topic, or date or category where the papers have them). */
import { byId, element, type MapContext, type Panel } from './context.js';
import { wholeView } from './layout.js';

function colourLegend(context: MapContext): void {
  const box = byId<HTMLDivElement>('legend-values');
  const topics = byId<HTMLDivElement>('legend-topics');
  const colouring = context.data.colourings[context.state.colourBy];
  box.replaceChildren();
  box.hidden = !colouring;
  topics.hidden = !!colouring;
  if (!colouring) return;
  // a long run of months shows every so many, so the legend stays a line or two
  const step = Math.max(1, Math.ceil(colouring.names.length / 24));
  colouring.names.forEach((name, index) => {
    if (index % step !== 0 && index !== colouring.names.length - 1) return;
    const chip = element('span', undefined, 'chip');
    const swatch = element('span', undefined, 'swatch');
    swatch.style.background = colouring.colours[index];
    chip.append(swatch, element('span', name));
    box.append(chip);
  });
}

export const controlsPanel: Panel = {
  name: 'controls',
  mount(context) {
    byId('reset').addEventListener('click', () => context.update({ camera: wholeView(context.bounds) }));
    const select = byId<HTMLSelectElement>('colour-by');
    if (context.data.colourings.length === 0) select.hidden = true;
    select.append(element('option', 'Colour: topic'));
    select.options[0].value = '-1';
    context.data.colourings.forEach((colouring, index) => {
      const option = element('option', `Colour: ${colouring.label}`);
      option.value = String(index);
      select.append(option);
    });
    select.addEventListener('change', () => context.update({ colourBy: Number(select.value) }));
    context.listen((changed) => {
      if (changed.has('colourBy')) colourLegend(context);
    });
    window.addEventListener('keydown', (event) => {
      // keys typed into a field (the search, a pasted library) are text, not commands
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLSelectElement) return;
      if (event.key === 'Escape') context.select(-1);
      if (event.key === 'Home' || event.key === '0') context.update({ camera: wholeView(context.bounds) });
    });
  },
};
