// Messages come from the catalog that the Go pages read too. Placeholders use
// the i18next syntax "{{name}}", so i18next can replace t() without touching
// the catalog.
import en from "../../i18n/en.json";

type Catalog = { [key: string]: string | Catalog };

const catalog: Catalog = en;

// t returns the message at a dotted key with its placeholders filled in, or
// the key itself when the catalog has no such message.
export function t(key: string, vars: Record<string, string | number> = {}): string {
  let node: string | Catalog | undefined = catalog;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null) return key;
    node = node[part];
  }
  if (typeof node !== "string") return key;
  return node.replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}
