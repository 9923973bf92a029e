// Which key presses the editor may take for itself: none while the person
// types in a field, and not Space or Enter on a focused button or link,
// which press it.

export function isTyping(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

const pressable = 'button, a[href], summary, select, [role=button], [role=link], [role=checkbox], [role=switch], [role=tab], [role=menuitem], [role=option]';

/** Space and Enter act on this element (a focused button, link…). */
export function pressesControl(t: EventTarget | null): boolean {
  return t instanceof Element && t.closest(pressable) !== null;
}
