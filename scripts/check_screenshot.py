#!/usr/bin/env python3
"""Checks a screenshot of the HTML digest: size, and that the chart has coloured bars.

Usage: check_screenshot.py PNG  ->  prints JSON {"width", "height", "red", "green", "nonwhite"}
where red/green count pixels of the chart's failure (#c62828) and clean (#2e7d32) bar colours."""
import json, sys
from PIL import Image

img = Image.open(sys.argv[1]).convert("RGB")
w, h = img.size
red = green = nonwhite = 0
for (r, g, b) in img.getdata():
    if abs(r - 0xC6) < 12 and abs(g - 0x28) < 12 and abs(b - 0x28) < 12:
        red += 1
    elif abs(r - 0x2E) < 12 and abs(g - 0x7D) < 12 and abs(b - 0x32) < 12:
        green += 1
    if (r, g, b) != (255, 255, 255):
        nonwhite += 1
print(json.dumps({"width": w, "height": h, "red": red, "green": green, "nonwhite": nonwhite}))
