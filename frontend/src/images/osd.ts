// OpenSeadragon, set up for Tessera's zoom pyramids. Loaded on demand so the
// rest of the app does not carry it. Its stock buttons (images fetched from
// prefixUrl) are off: the viewer page draws its own.
import type OpenSeadragon from 'openseadragon';
import type { Client, Image, Pyramid } from '../lib/api';
import { transformFrom, type Transform } from './grid';

export type Viewer = OpenSeadragon.Viewer;

/** The library, once loaded. */
let osd: typeof OpenSeadragon | null = null;

/** The tile source of an image's pyramid: level levels-1 is full size. */
export function pyramidSource(api: Client, img: Pick<Image, 'id' | 'width' | 'height'>, p: Pyramid) {
  return {
    width: img.width,
    height: img.height,
    tileSize: p.tile_size,
    tileOverlap: 0,
    minLevel: 0,
    maxLevel: p.levels - 1,
    getTileUrl: (level: number, x: number, y: number) => api.pyramidTileUrl(img.id, level, x, y),
  };
}

export async function createViewer(
  element: HTMLElement,
  api: Client,
  img: Pick<Image, 'id' | 'width' | 'height'>,
  p: Pyramid,
): Promise<Viewer> {
  osd ??= (await import('openseadragon')).default;
  return osd({
    element,
    tileSources: pyramidSource(api, img, p),
    // The 2D canvas draws everywhere (WebKitGTK and headless browsers
    // included); WebGL is not always there.
    drawer: 'canvas',
    showNavigationControl: false,
    showNavigator: false,
    prefixUrl: '',
    crossOriginPolicy: false,
    visibilityRatio: 0.5,
    minZoomImageRatio: 0.5,
    maxZoomPixelRatio: 4,
    animationTime: 0.6,
    // A click opens the tile under it: no zoom on click.
    gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true, scrollToZoom: true, dragToPan: true },
    gestureSettingsTouch: { clickToZoom: false, dblClickToZoom: true, pinchToZoom: true, dragToPan: true },
    gestureSettingsPen: { clickToZoom: false, dblClickToZoom: true, dragToPan: true },
  });
}

/** The current image → viewer element transform of a viewer's image. */
export function viewerTransform(viewer: Viewer, width: number, height: number): Transform | null {
  const item = viewer.world.getItemAt(0);
  if (!item || !osd) return null;
  // The animated ("current") position, so the grid moves with each frame.
  const p0 = item.imageToViewerElementCoordinates(new osd.Point(0, 0));
  const p1 = item.imageToViewerElementCoordinates(new osd.Point(width, height));
  return transformFrom(p0, p1, width, height);
}

export type Layer = OpenSeadragon.TiledImage;

/**
 * Lays a picture over the whole image (a prediction's colour overlay, which
 * may be smaller than the image: it is stretched to the image's width).
 */
export function addOverlay(viewer: Viewer, url: string, opacity: number): Promise<Layer> {
  return new Promise((resolve, reject) => {
    viewer.addSimpleImage({
      url,
      x: 0,
      y: 0,
      width: 1,
      opacity,
      success: (e) => resolve((e as unknown as { item: Layer }).item),
      error: (e) => reject(e instanceof Error ? e : new Error('the overlay could not be loaded')),
    });
  });
}
