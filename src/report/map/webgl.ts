/**
 * The points through WebGL 2: one draw call over every paper, positions as
 * normalised 16-bit integers, colours and the topic filter looked up in small
 * textures, so the buffers are uploaded once. While the map moves it draws
 * the first so many papers of the draw order (a uniform sample, sized by the
 * time frames took), and every paper once it stops.
 */
import type { Points } from './data.js';
import type { Camera, Bounds, Viewport } from './layout.js';
import { baseScale } from './layout.js';

const VERTEX = `#version 300 es
in vec2 position;
in float colour;
in float topic;
uniform vec2 centre;
uniform vec2 scale;
uniform float pointSize;
uniform float strength;
uniform sampler2D palette;
uniform sampler2D topicAlpha;
out vec4 fill;
void main() {
  vec2 clip = (position * 65535.0 - centre) * scale;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  gl_PointSize = pointSize;
  vec4 c = texelFetch(palette, ivec2(int(colour), 0), 0);
  fill = vec4(c.rgb, c.a * strength * texelFetch(topicAlpha, ivec2(int(topic), 0), 0).r);
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 fill;
uniform float round;
out vec4 colour;
void main() {
  vec2 from = gl_PointCoord - 0.5;
  if (round > 0.5 && dot(from, from) > 0.25) discard;
  colour = vec4(fill.rgb * fill.a, fill.a);
}`;

export interface DrawRequest {
  camera: Camera;
  bounds: Bounds;
  viewport: Viewport;
  pointSize: number;
  /** Which of the draw order to draw: from `from`, `count` of them. A draw from 0 clears the canvas first; a later one adds to it (a full map drawn over several frames). */
  from: number;
  count: number;
  /** 1, or less while a search or a filter dims the rest. */
  strength: number;
  /** Rows drawn again on top at full strength (search matches, the new papers listed), after the last of the draw order. */
  highlighted: Uint32Array | undefined;
}

export interface PointRenderer {
  kind: 'webgl' | 'canvas';
  /** The colour of each point: `colours[i]` is the palette entry of value i in `values`. */
  setColours(values: Uint16Array, palette: readonly string[]): void;
  /** The strength of each topic (by 1 + place; 0 the outliers): 1 shown, less dimmed. */
  setTopicStrength(strength: Float32Array): void;
  draw(request: DrawRequest): void;
  /** Waits until what was drawn is done (for timing it). */
  finish(): void;
}

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`WebGL: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

function program(gl: WebGL2RenderingContext): WebGLProgram {
  const linked = gl.createProgram()!;
  gl.attachShader(linked, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(linked, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(linked);
  if (!gl.getProgramParameter(linked, gl.LINK_STATUS)) throw new Error(`WebGL: ${gl.getProgramInfoLog(linked)}`);
  return linked;
}

function attribute(
  gl: WebGL2RenderingContext,
  shaders: WebGLProgram,
  name: string,
  data: ArrayBufferView,
  size: number,
  type: number,
  normalised: boolean,
  stride: number,
): WebGLBuffer {
  const buffer = gl.createBuffer()!;
  gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
  gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
  const location = gl.getAttribLocation(shaders, name);
  gl.enableVertexAttribArray(location);
  gl.vertexAttribPointer(location, size, type, normalised, stride, 0);
  return buffer;
}

/** A texture one row high, `width` texels of RGBA bytes. */
function rowTexture(gl: WebGL2RenderingContext, unit: number, bytes: Uint8Array): WebGLTexture {
  const texture = gl.createTexture()!;
  gl.activeTexture(gl.TEXTURE0 + unit);
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, bytes.length / 4, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, bytes);
  return texture;
}

export function rgbaOf(hex: string, alpha = 0.85): [number, number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), Math.round(alpha * 255)];
}

/** The WebGL 2 renderer on `canvas`, or undefined when the browser has no WebGL 2. */
export function webglRenderer(canvas: HTMLCanvasElement, points: Points, order: Uint32Array): PointRenderer | undefined {
  const gl = canvas.getContext('webgl2', { antialias: false, premultipliedAlpha: true, preserveDrawingBuffer: true });
  if (!gl) return undefined;
  const shaders = program(gl);
  gl.useProgram(shaders);
  // the vertices in draw order, so that any part of it is one range to draw (no index buffer to upload and check)
  const positions = new Uint16Array(points.count * 2);
  const place = new Uint32Array(points.count);
  order.forEach((row, at) => {
    positions[at * 2] = points.x[row];
    positions[at * 2 + 1] = points.y[row];
    place[row] = at;
  });
  /** Colour value and topic of each vertex, in draw order. */
  const looks = (values: Uint16Array) => {
    const both = new Uint16Array(points.count * 2);
    order.forEach((row, at) => {
      both[at * 2] = values[row];
      both[at * 2 + 1] = points.topic[row];
    });
    return both;
  };
  gl.bindVertexArray(gl.createVertexArray());
  attribute(gl, shaders, 'position', positions, 2, gl.UNSIGNED_SHORT, true, 0);
  const looksBuffer = attribute(gl, shaders, 'colour', looks(points.topic), 1, gl.UNSIGNED_SHORT, false, 4);
  const topicLocation = gl.getAttribLocation(shaders, 'topic');
  gl.enableVertexAttribArray(topicLocation);
  gl.vertexAttribPointer(topicLocation, 1, gl.UNSIGNED_SHORT, false, 4, 2);
  const highlightBuffer = gl.createBuffer()!;
  let highlighted: Uint32Array | undefined;
  const uniform = (name: string) => gl.getUniformLocation(shaders, name);
  gl.uniform1i(uniform('palette'), 0);
  gl.uniform1i(uniform('topicAlpha'), 1);
  let palette = rowTexture(gl, 0, new Uint8Array(4));
  let topicAlpha = rowTexture(gl, 1, new Uint8Array(4));
  gl.enable(gl.BLEND);
  gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);

  const style = (strength: number, size: number) => {
    gl.uniform1f(uniform('strength'), strength);
    gl.uniform1f(uniform('pointSize'), size * (window.devicePixelRatio || 1));
    gl.uniform1f(uniform('round'), size >= 3 ? 1 : 0);
  };

  return {
    kind: 'webgl',
    setColours(values, colours) {
      gl.bindBuffer(gl.ARRAY_BUFFER, looksBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, looks(values), gl.STATIC_DRAW);
      gl.deleteTexture(palette);
      palette = rowTexture(gl, 0, Uint8Array.from(colours.flatMap((colour) => rgbaOf(colour))));
    },
    setTopicStrength(strength) {
      gl.deleteTexture(topicAlpha);
      topicAlpha = rowTexture(gl, 1, Uint8Array.from(Array.from(strength).flatMap((value) => [Math.round(value * 255), 0, 0, 255])));
    },
    finish() {
      // reading a pixel waits for every draw before it, as gl.finish alone need not
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    },
    draw(request) {
      const ratio = window.devicePixelRatio || 1;
      const [width, height] = [Math.round(request.viewport.width * ratio), Math.round(request.viewport.height * ratio)];
      if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
      gl.viewport(0, 0, width, height);
      if (request.from === 0) {
        gl.clearColor(0, 0, 0, 0);
        gl.clear(gl.COLOR_BUFFER_BIT);
      }
      const scale = baseScale(request.bounds, request.viewport) * request.camera.zoom;
      gl.uniform2f(uniform('centre'), request.camera.centreX, request.camera.centreY);
      gl.uniform2f(uniform('scale'), (2 * scale) / request.viewport.width, (2 * scale) / request.viewport.height);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, palette);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, topicAlpha);
      const count = Math.max(0, Math.min(request.count, points.count - request.from));
      style(request.strength, request.pointSize);
      gl.drawArrays(gl.POINTS, request.from, count);
      if (request.highlighted && request.highlighted.length > 0 && request.from + count >= points.count) {
        gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, highlightBuffer);
        if (highlighted !== request.highlighted) {
          gl.bufferData(
            gl.ELEMENT_ARRAY_BUFFER,
            Uint32Array.from(request.highlighted, (row) => place[row]),
            gl.DYNAMIC_DRAW,
          );
          highlighted = request.highlighted;
        }
        style(1, Math.max(request.pointSize + 2, 4));
        gl.drawElements(gl.POINTS, request.highlighted.length, gl.UNSIGNED_INT, 0);
      }
    },
  };
}
