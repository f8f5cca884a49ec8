import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeStyle, safeUrlAttribute } from '../../src/web/render/safe-style.js';

test('inline styles keep layout and colour, and lose what loads, runs, hides or lifts itself (table of cases)', () => {
  const cases: Array<[string, string]> = [
    ['color: red; border: 1px solid #333; padding: 4px', 'color: red; border: 1px solid #333; padding: 4px'],
    ['display:flex;gap:8px;', 'display:flex; gap:8px'],
    ['background: linear-gradient(#fff, #000); border-radius: 6px', 'background: linear-gradient(#fff, #000); border-radius: 6px'],
    ['background: url(https://evil.example/p.gif); color: red', 'color: red'],
    ['background-image: URL ( "//evil.example/p.gif" )', ''],
    ['background: image-set("x.png" 1x)', ''],
    ['width: expression(alert(1))', ''],
    ['behavior: url(x.htc)', ''],
    ['-moz-binding: url(x.xml#a)', ''],
    ['background: u\\72l(//evil.example)', ''],
    ['color: red; /* hide */ background: u/**/rl(x)', 'color: red'],
    ['@import "x.css"', ''],
    ['position: fixed; inset: 0; z-index: 9999', 'inset: 0; z-index: 9999'],
    ['position:sticky', ''],
    ['position: -webkit-sticky; top: 0', 'top: 0'],
    ['position: relative', 'position: relative'],
    ['cursor: javascript:alert(1)', ''],
    ['not a declaration', ''],
  ];
  for (const [input, expected] of cases) assert.equal(safeStyle(input), expected, input);
});

test("SVG's url() attributes keep references inside the document and lose every other address (table of cases)", () => {
  const cases: Array<[string, boolean]> = [
    ['red', true],
    ['url(#shade)', true],
    ["url( '#shade' ) red", true],
    ['none', true],
    ['url(https://evil.example/p.svg#p)', false],
    ['URL(//evil.example/p.svg#p)', false],
    ['url(p.svg#p)', false],
    ['url(#a) url(https://evil.example/b.svg#b)', false],
    ['u\\72l(https://evil.example/p.svg#p)', false],
  ];
  for (const [value, safe] of cases) assert.equal(safeUrlAttribute(value), safe, value);
});
