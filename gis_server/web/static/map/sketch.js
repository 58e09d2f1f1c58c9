// A sketch layer of clicked points with the line or polygon through them, drawn above everything;
// the measuring tool and the route tool each keep one.

const EMPTY = {type: "FeatureCollection", features: []};

export class Sketch {
  constructor(map, id, colour) {
    this.map = map;
    this.id = id;
    this.colour = colour;
    this.data = EMPTY;
  }

  ensure() {
    if (this.map.getSource(this.id)) return;
    this.map.addSource(this.id, {type: "geojson", data: this.data});
    const colour = this.colour;
    this.map.addLayer({id: `${this.id}-fill`, type: "fill", source: this.id, filter: ["==", ["geometry-type"], "Polygon"],
      paint: {"fill-color": colour, "fill-opacity": 0.15}});
    this.map.addLayer({id: `${this.id}-line`, type: "line", source: this.id, filter: ["!=", ["geometry-type"], "Point"],
      layout: {"line-join": "round", "line-cap": "round"}, paint: {"line-color": colour, "line-width": 3}});
    this.map.addLayer({id: `${this.id}-points`, type: "circle", source: this.id, filter: ["==", ["geometry-type"], "Point"],
      paint: {"circle-radius": ["coalesce", ["get", "radius"], 5], "circle-color": ["coalesce", ["get", "colour"], "#ffffff"],
        "circle-stroke-color": colour, "circle-stroke-width": 2}});
    this.map.addLayer({id: `${this.id}-labels`, type: "symbol", source: this.id, filter: ["has", "label"],
      layout: {"text-field": ["get", "label"], "text-font": ["DejaVu Sans Book"], "text-size": 12, "text-offset": [0, 1.2],
        "text-anchor": "top", "text-allow-overlap": true},
      paint: {"text-color": "#1f2933", "text-halo-color": "#ffffff", "text-halo-width": 1.5}});
  }

  set(features) {
    this.data = {type: "FeatureCollection", features};
    this.ensure();
    this.map.getSource(this.id).setData(this.data);
  }

  clear() {
    this.set([]);
  }
}

export function point(coordinates, properties = {}) {
  return {type: "Feature", geometry: {type: "Point", coordinates}, properties};
}

export function line(coordinates, properties = {}) {
  return {type: "Feature", geometry: {type: "LineString", coordinates}, properties};
}

export function polygon(coordinates, properties = {}) {
  return {type: "Feature", geometry: {type: "Polygon", coordinates: [[...coordinates, coordinates[0]]]}, properties};
}
