'use client';

import { useEffect, useRef } from 'react';
import L from 'leaflet';
import 'leaflet.markercluster';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import 'leaflet.markercluster/dist/MarkerCluster.Default.css';

export interface MapPoint {
  id: string;
  lat: number;
  lon: number;
}

const GRID_TILE_PX = 256;
const POINT_RADIUS_PX = 7;
/** Clustering needs a highest zoom even without a basemap. */
const MAX_ZOOM = 18;

/** A grey that reads on the light and the dark surface alike, so tiles drawn once suit either theme. */
const GRID_LINE_COLOR = 'rgb(128 128 128 / 35%)';

/** No basemap (a closed network): a plain grid that pans and zooms with the points. */
const PlainGrid = L.GridLayer.extend({
  createTile(): HTMLCanvasElement {
    const tile = document.createElement('canvas');
    tile.width = tile.height = GRID_TILE_PX;
    const ctx = tile.getContext('2d');
    if (ctx) {
      ctx.strokeStyle = GRID_LINE_COLOR;
      ctx.strokeRect(0.5, 0.5, GRID_TILE_PX, GRID_TILE_PX);
    }
    return tile;
  },
});

/**
 * Geolocated observations on a Leaflet map, clustered (leaflet.markercluster, loaded in chunks so thousands of
 * points do not block the page). A click on a point opens the record; a click on a cluster zooms into it.
 */
export default function ObservationMap({
  points,
  tileUrl,
  onOpen,
}: {
  points: MapPoint[];
  tileUrl: string;
  onOpen: (id: string) => void;
}) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map>(null);
  const clusters = useRef<L.MarkerClusterGroup>(null);
  const open = useRef(onOpen);
  useEffect(() => {
    open.current = onOpen;
  });

  useEffect(() => {
    if (!container.current) return;
    const created = L.map(container.current, { worldCopyJump: true, minZoom: 1, maxZoom: MAX_ZOOM }).setView([0, 0], 2);
    if (tileUrl) L.tileLayer(tileUrl, { maxZoom: MAX_ZOOM }).addTo(created);
    else new PlainGrid().addTo(created);
    map.current = created;
    return () => {
      created.remove();
      map.current = null;
    };
  }, [tileUrl]);

  useEffect(() => {
    const shown = map.current;
    if (!shown || !container.current) return;
    const frame = container.current;
    // A fresh group per set of points: chunks still being added to the previous group cannot mix in.
    clusters.current?.remove();
    // The view is set before the points go in, without animation: a zoom animation while the clusters are still
    // being built would show the old and the new cluster level at once.
    if (points.length > 0)
      shown.fitBounds(L.latLngBounds(points.map((p) => [p.lat, p.lon])), {
        padding: [24, 24],
        maxZoom: 14,
        animate: false,
      });
    frame.dataset.state = 'clustering';
    const group = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      chunkProgress: (processed, total) => {
        if (processed === total) frame.dataset.state = 'ready';
      },
    }).addTo(shown);
    clusters.current = group;
    group.addLayers(
      points.map((point) =>
        L.circleMarker([point.lat, point.lon], {
          radius: POINT_RADIUS_PX,
          className: 'map-point',
          fillOpacity: 0.9,
          weight: 2,
        })
          .bindTooltip(point.id)
          .on('click', () => open.current(point.id)),
      ),
    );
    if (points.length === 0) frame.dataset.state = 'ready';
  }, [points, tileUrl]);

  return <div ref={container} className="observation-map" data-testid="observation-map" />;
}
