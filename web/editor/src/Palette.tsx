// The palette: node types, then actions by category, searchable. An entry
// is dragged onto the canvas with pointer events, or added with a click or
// the keyboard.
import { useEffect, useMemo, useRef, useState } from "react";
import { categoryKey, matchesSearch, titleCase, type PaletteItem } from "./graph";
import { t } from "./i18n";

// DRAG_THRESHOLD is how far, in CSS pixels, the pointer must move before a
// press on an entry becomes a drag rather than a click.
const DRAG_THRESHOLD = 4;

type Props = {
  baseItems: PaletteItem[];
  actionItems: PaletteItem[];
  actionsError: string | null;
  actionsLoading: boolean;
  // onDrop places an entry at a point of the viewport and returns whether
  // the point was on the canvas.
  onDrop: (item: PaletteItem, clientX: number, clientY: number) => boolean;
  onAdd: (item: PaletteItem) => void;
};

type Drag = { item: PaletteItem; startX: number; startY: number; moved: boolean };

function itemLabel(item: PaletteItem): string {
  return item.type === "action" ? item.label : t(item.label);
}

// categoryLabel returns the catalog's heading of an action category, the
// category title-cased when the catalog has none, or "Other" for none.
export function categoryLabel(category: string): string {
  if (category === "") return t("palette.uncategorized");
  const key = categoryKey(category);
  const label = t(key);
  return label === key ? titleCase(category) : label;
}

export function Palette(props: Props) {
  const [query, setQuery] = useState("");
  const [ghost, setGhost] = useState<{ label: string; x: number; y: number } | null>(null);
  const drag = useRef<Drag | null>(null);
  const suppressClick = useRef(false);
  const onDropRef = useRef(props.onDrop);
  onDropRef.current = props.onDrop;

  useEffect(() => {
    function move(e: PointerEvent) {
      const d = drag.current;
      if (!d) return;
      const far = Math.hypot(e.clientX - d.startX, e.clientY - d.startY) > DRAG_THRESHOLD;
      if (!d.moved && !far) return;
      d.moved = true;
      setGhost({ label: itemLabel(d.item), x: e.clientX, y: e.clientY });
    }
    function up(e: PointerEvent) {
      const d = drag.current;
      drag.current = null;
      setGhost(null);
      if (!d || !d.moved) return;
      // A click may follow when the pointer is released over the entry.
      suppressClick.current = true;
      setTimeout(() => (suppressClick.current = false), 0);
      onDropRef.current(d.item, e.clientX, e.clientY);
    }
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
    return () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
    };
  }, []);

  const base = props.baseItems.filter((i) => matchesSearch(i, itemLabel(i), query));
  const actions = props.actionItems.filter((i) => matchesSearch(i, itemLabel(i), query));
  const categories = useMemo(() => {
    const groups = new Map<string, PaletteItem[]>();
    for (const item of actions) {
      const key = categoryLabel(item.category ?? "");
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    return [...groups.entries()];
  }, [actions]);

  function entry(item: PaletteItem) {
    return (
      <li key={item.key}>
        <button
          type="button"
          className={`palette-item palette-${item.type}`}
          data-testid={`palette-${item.key}`}
          title={item.description ?? t("palette.hint")}
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            e.preventDefault();
            drag.current = { item, startX: e.clientX, startY: e.clientY, moved: false };
          }}
          onClick={() => {
            if (suppressClick.current) {
              suppressClick.current = false;
              return;
            }
            props.onAdd(item);
          }}
        >
          {itemLabel(item)}
        </button>
      </li>
    );
  }

  return (
    <aside className="palette" aria-label={t("palette.title")} data-testid="palette">
      <input
        type="search"
        className="palette-search"
        placeholder={t("palette.search")}
        aria-label={t("palette.search")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="palette-search"
      />
      <h3>{t("palette.node_types")}</h3>
      <ul>{base.map(entry)}</ul>
      {props.actionsLoading && <p className="hint">{t("palette.actions_loading")}</p>}
      {props.actionsError && (
        <p className="error">{t("palette.actions_failed", { message: props.actionsError })}</p>
      )}
      {categories.map(([category, items]) => (
        <section key={category}>
          <h3>{category}</h3>
          <ul>{items.map(entry)}</ul>
        </section>
      ))}
      {ghost && (
        <div className="drag-ghost" style={{ left: ghost.x, top: ghost.y }} aria-hidden="true">
          {ghost.label}
        </div>
      )}
    </aside>
  );
}
