import QRCode from 'qrcode';

/** The Synkronus mark in the middle of the code, as the portal and the CLI draw theirs. */
const LOGO_COLOR = '#1f5fd6';
/** Share of the code's width the logo (with its white border) covers: about 4% of the modules, which level H (30%) recovers with room to spare. */
const LOGO_SHARE = 0.2;

function roundedRect(ctx: CanvasRenderingContext2D, x: number, y: number, size: number, radius: number): void {
  ctx.beginPath();
  ctx.roundRect(x, y, size, size, radius);
  ctx.fill();
}

/** A PNG data URL of `text` as a QR code at error correction level H with the logo in the centre. */
export async function qrWithLogo(text: string, pixels: number): Promise<string> {
  const canvas = document.createElement('canvas');
  await QRCode.toCanvas(canvas, text, { errorCorrectionLevel: 'H', width: pixels, margin: 2 });
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw on a canvas');
  const size = canvas.width;
  const outer = Math.round(size * LOGO_SHARE);
  const border = Math.round(outer * 0.1);
  const inner = outer - 2 * border;
  const x = Math.round((size - outer) / 2);
  ctx.fillStyle = '#ffffff';
  roundedRect(ctx, x, x, outer, outer * 0.22);
  ctx.fillStyle = LOGO_COLOR;
  roundedRect(ctx, x + border, x + border, inner, inner * 0.22);
  ctx.fillStyle = '#ffffff';
  ctx.font = `700 ${Math.round(inner * 0.68)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText('S', size / 2, size / 2 + inner * 0.04);
  return canvas.toDataURL('image/png');
}
