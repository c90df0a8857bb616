// Small DOM helpers for the demo page (no framework).

export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`demo: element #${id} is missing`);
  return e as T;
}

export function numberInput(id: string): number {
  const v = Number($<HTMLInputElement>(id).value);
  if (!Number.isFinite(v)) throw new Error(`demo: #${id} is not a number`);
  return v;
}

export async function fileBytes(input: HTMLInputElement): Promise<{ name: string; bytes: Uint8Array } | null> {
  const f = input.files?.[0];
  return f ? { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) } : null;
}

/** Points an <a download> link at `data`, releasing the link's previous object URL. */
export function setDownload(link: HTMLAnchorElement, data: Uint8Array | string, name: string, type: string): void {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  link.download = name;
  link.hidden = false;
}

/** "1, 2,3 4" -> [1, 2, 3, 4]; throws naming the first entry that is not an integer. */
export function parseIdList(text: string): number[] {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n)) throw new Error(`"${p}" is not an item id (expected integers separated by commas)`);
    return n;
  });
}
