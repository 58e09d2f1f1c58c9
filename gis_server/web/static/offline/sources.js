// Where an open offline package's tiles and file parts come from. Every source answers the same
// three things: `tile(z, x, y, signal)` → the MVT bytes (uncompressed) or null, `file(name, signal)`
// → the part's bytes or null, and `names` (the parts it holds). Two kinds:
//
// - a PMTiles archive, read by the `pmtiles` library (global `pmtiles`, /static/vendor/pmtiles.js):
//   from a File picked on disk (`FileSource`, no request leaves the browser) or from a URL (`FetchSource`,
//   HTTP Range requests); its file parts are in the archive's metadata, `onemap:files` = {name: base64};
// - a package server (`onemap package serve`): `<base>/tiles/{z}/{x}/{y}` (gzip, which the browser
//   undoes), `<base>/files/<name>` and `<base>/manifest`.

const FILES_KEY = "onemap:files";
const MANIFEST = "manifest.json";

export class PackageOpenError extends Error {}

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** A `.pmtiles` package, from a File or a URL. */
class PmtilesPackage {
  constructor(source, label) {
    this.kind = source instanceof pmtiles.FileSource ? "file" : "pmtiles-url";
    this.label = label;
    this.archive = new pmtiles.PMTiles(source);
    this.parts = new Map();
    this.names = new Set();
  }

  async open() {
    let header;
    let metadata;
    try {
      header = await this.archive.getHeader();
      metadata = await this.archive.getMetadata();
    } catch (error) {
      throw new PackageOpenError(`不是可读的 PMTiles 离线包 / not a readable PMTiles package: ${this.label} (${error.message})`);
    }
    if (header.tileType !== pmtiles.TileType.Mvt) {
      throw new PackageOpenError(`不是矢量瓦片离线包 / not a vector tile package: ${this.label}`);
    }
    const files = metadata?.[FILES_KEY];
    if (!files || typeof files !== "object") {
      throw new PackageOpenError(`不是 OneMap 离线包（缺少 ${FILES_KEY}）/ not a OneMap package: ${this.label}`);
    }
    for (const [name, encoded] of Object.entries(files)) this.parts.set(name, encoded);
    this.names = new Set(this.parts.keys());
    this.header = header;
    this.metadata = metadata;
    return this;
  }

  async tile(z, x, y, signal) {
    const found = await this.archive.getZxy(z, x, y, signal);
    return found ? found.data : null;
  }

  async file(name) {
    const encoded = this.parts.get(name);
    return encoded === undefined ? null : decodeBase64(encoded);
  }
}

/** A package served by `onemap package serve` (or anything answering the same URLs). */
class ServedPackage {
  constructor(base) {
    this.kind = "server";
    this.base = base.replace(/\/+$/, "");
    this.label = this.base;
    this.names = new Set();
  }

  async open() {
    const response = await fetch(`${this.base}/manifest`, {headers: {Accept: "application/json"}});
    if (!response.ok) {
      throw new PackageOpenError(`离线包服务无法打开（${response.status}）/ the package server did not answer: ${this.base}/manifest`);
    }
    const manifest = await response.json();
    this.names = new Set([MANIFEST, ...Object.keys(manifest.parts || {}).filter((name) => name !== "tiles")]);
    this.manifest = manifest;
    return this;
  }

  async get(url, signal) {
    const response = await fetch(url, {signal});
    if (response.status === 204 || response.status === 404) return null;
    if (!response.ok) throw new Error(`${response.status} ${url}`);
    return response.arrayBuffer();
  }

  tile(z, x, y, signal) {
    return this.get(`${this.base}/tiles/${z}/${x}/${y}`, signal);
  }

  file(name, signal) {
    if (!this.names.has(name)) return Promise.resolve(null);
    return this.get(`${this.base}/files/${name.split("/").map(encodeURIComponent).join("/")}`, signal);
  }
}

/** A `.pmtiles` File picked on disk: read in the browser, nothing is sent anywhere. */
export function openFile(file) {
  if (!/\.pmtiles$/i.test(file.name)) {
    return Promise.reject(new PackageOpenError(
      `浏览器中只能直接打开 .pmtiles 离线包；MBTiles 请用 onemap package serve / only .pmtiles opens in the browser: ${file.name}`));
  }
  return new PmtilesPackage(new pmtiles.FileSource(file), file.name).open();
}

/** `?package=<url>`: a PMTiles archive when the URL's path ends in `.pmtiles`, else a package server's base. */
export function openUrl(value) {
  const url = new URL(value, document.baseURI);
  if (/\.pmtiles$/i.test(url.pathname)) return new PmtilesPackage(new pmtiles.FetchSource(url.href), url.href).open();
  return new ServedPackage(url.href).open();
}

/** The package's manifest (a part of every package), parsed. */
export async function readJsonPart(source, name) {
  const data = await source.file(name);
  if (!data) throw new PackageOpenError(`离线包缺少 ${name} / the package has no ${name}`);
  return JSON.parse(new TextDecoder().decode(data));
}
