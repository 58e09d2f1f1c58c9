// The `package://` scheme of a package's style, answered from the open package (MapLibre
// `addProtocol`): `package://tiles/{z}/{x}/{y}` → a tile, `package://sprites/sprite.json|png` (and
// `@2x`) → the sprite, `package://fonts/{fontstack}/{range}.pbf` → a glyph range of the first font
// of the stack the package ships (an empty range when it ships the font but not that range — the
// Chinese ranges, which MapLibre draws with the local font anyway). A tile the package does not hold
// is an empty tile.

const SCHEME = "package";
const TILE = /^tiles\/(\d+)\/(\d+)\/(\d+)$/;
const GLYPHS = /^fonts\/([^/]+)\/(\d+-\d+)\.pbf$/;

let current = null;
let registered = false;

function decoded(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The part holding a glyph range of a comma-separated fontstack: [name or null, font shipped at all]. */
function glyphPart(source, fontstack, range) {
  for (const font of decoded(fontstack).split(",").map((part) => part.trim()).filter(Boolean)) {
    const name = `fonts/${font}/${range}.pbf`;
    if (source.names.has(name)) return [name, true];
    if ([...source.names].some((part) => part.startsWith(`fonts/${font}/`))) return [null, true];
  }
  return [null, false];
}

async function load(params, abortController) {
  const source = current;
  if (!source) throw new Error("没有打开的离线包 / no package is open");
  const path = params.url.slice(`${SCHEME}://`.length).split(/[?#]/)[0];
  const tile = TILE.exec(path);
  if (tile) {
    const data = await source.tile(Number(tile[1]), Number(tile[2]), Number(tile[3]), abortController.signal);
    return {data: data || new ArrayBuffer(0)};
  }
  const glyphs = GLYPHS.exec(path);
  if (glyphs) {
    const [name, shipped] = glyphPart(source, glyphs[1], glyphs[2]);
    if (!name && !shipped) throw new Error(`离线包中没有该字体 / the package has no font ${decoded(glyphs[1])}`);
    return {data: name ? await source.file(name, abortController.signal) : new ArrayBuffer(0)};
  }
  const data = await source.file(decoded(path), abortController.signal);
  if (!data) throw new Error(`离线包中没有该文件 / the package has no part ${path}`);
  if (params.type === "json") return {data: JSON.parse(new TextDecoder().decode(data))};
  if (params.type === "string") return {data: new TextDecoder().decode(data)};
  return {data};
}

/** Answer `package://` URLs from `source` from now on (registers the scheme once). */
export function usePackage(source) {
  current = source;
  if (!registered) {
    maplibregl.addProtocol(SCHEME, load);
    registered = true;
  }
}
