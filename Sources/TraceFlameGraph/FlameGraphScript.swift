/// The script every flame graph carries (no external files: the SVG opens anywhere). It keeps
/// no copy of the data: positions come from each frame's `fg:x` / `fg:w`, names from its
/// title, so what is drawn and what the script computes cannot disagree.
enum FlameGraphScript {
    static let source = #"""
"use strict";
var frames, details, unzoombtn, searchbtn, icbtn, matchedtxt;
var total, xpad, inner, fontsize, fontwidth;
var zoomed = null, searchTerm = null, ignorecase = false;

function init(evt) {
    frames = document.getElementById("frames");
    details = document.getElementById("details").firstChild;
    unzoombtn = document.getElementById("unzoom");
    searchbtn = document.getElementById("search");
    icbtn = document.getElementById("ignorecase");
    matchedtxt = document.getElementById("matched");
    total = num(frames, "fg:total");
    xpad = num(frames, "fg:xpad");
    inner = num(frames, "fg:width");
    fontsize = num(frames, "fg:fontsize");
    fontwidth = num(frames, "fg:fontwidth");
    var p = params();
    if (p.x !== undefined && p.y !== undefined) {
        var g = frameAt(parseFloat(p.x), parseFloat(p.y));
        if (g) zoom(g);
    }
    if (p.s) search(p.s);
}

function num(el, name) { return parseFloat(el.getAttribute(name)); }
function rectOf(g) { return g.getElementsByTagName("rect")[0]; }
function textOf(g) { return g.getElementsByTagName("text")[0]; }
function titleOf(g) { return g.getElementsByTagName("title")[0].textContent; }
// The title is "NAME (COUNT UNIT, PCT%...)": the name is all before the last group.
function nameOf(g) { return titleOf(g).replace(/ \([^(]*\)$/, ""); }

// ?s=REGEX&x=OFFSET&y=ROW, in the query or the fragment.
function params() {
    var out = {};
    var q = location.search.replace(/^\?/, "") + "&" + location.hash.replace(/^#/, "");
    q.split("&").forEach(function (kv) {
        if (!kv) return;
        var i = kv.indexOf("=");
        var k = i < 0 ? kv : kv.slice(0, i), v = i < 0 ? "" : kv.slice(i + 1);
        try { out[decodeURIComponent(k)] = decodeURIComponent(v.replace(/\+/g, " ")); } catch (e) {}
    });
    return out;
}

function frameAt(x, y) {
    var gs = frames.children;
    for (var i = 0; i < gs.length; i++) {
        var r = rectOf(gs[i]);
        if (num(r, "fg:x") === x && num(r, "y") === y) return gs[i];
    }
    return null;
}

// The frame group an event hit (its rect, text or title), or null.
function frameOf(el) {
    while (el && el.parentNode) {
        if (el.parentNode === frames) return el;
        el = el.parentNode;
    }
    return null;
}

// The name as far as it fits, ".." marking a cut; nothing under 3 characters.
function fit(name, w) {
    var chars = Math.floor(w / (fontsize * fontwidth));
    if (chars < 3) return "";
    if (name.length <= chars) return name;
    return name.slice(0, chars - 2) + "..";
}

function place(g, x, w) {
    var r = rectOf(g), t = textOf(g);
    r.setAttribute("x", x.toFixed(2));
    r.setAttribute("width", w.toFixed(2));
    t.setAttribute("x", (x + 3).toFixed(2));
    t.textContent = fit(nameOf(g), w);
}

// Zoom: the frame fills the width, what it calls spreads over it, the frames below it that
// lead to it stay (dimmed), and everything else is hidden.
function zoom(node) {
    var zr = rectOf(node), zx = num(zr, "fg:x"), zw = num(zr, "fg:w"), zy = num(zr, "y");
    var ratio = inner / zw;
    zoomed = node;
    unzoombtn.classList.remove("hide");
    var gs = frames.children;
    for (var i = 0; i < gs.length; i++) {
        var g = gs[i], r = rectOf(g), x = num(r, "fg:x"), w = num(r, "fg:w"), y = num(r, "y");
        g.classList.remove("parent");
        g.classList.remove("hide");
        if (y > zy) {
            if (x <= zx && x + w >= zx + zw) {
                g.classList.add("parent");
                place(g, xpad, inner);
            } else {
                g.classList.add("hide");
            }
        } else if ((y < zy || g === node) && x >= zx && x + w <= zx + zw) {
            place(g, xpad + (x - zx) * ratio, w * ratio);
        } else {
            g.classList.add("hide");
        }
    }
    if (searchTerm !== null) search(searchTerm);
}

function resetZoom() {
    zoomed = null;
    unzoombtn.classList.add("hide");
    var gs = frames.children;
    for (var i = 0; i < gs.length; i++) {
        var g = gs[i], r = rectOf(g);
        g.classList.remove("parent");
        g.classList.remove("hide");
        place(g, xpad + num(r, "fg:x") * inner / total, num(r, "fg:w") * inner / total);
    }
    if (searchTerm !== null) search(searchTerm);
}

function clearHighlight() {
    var gs = frames.children;
    for (var i = 0; i < gs.length; i++) {
        var r = rectOf(gs[i]);
        if (r.hasAttribute("fg:fill")) {
            r.setAttribute("fill", r.getAttribute("fg:fill"));
            r.removeAttribute("fg:fill");
        }
    }
}

// Highlights the frames in view whose name matches, and shows the share of the view they
// cover (a match inside another match is not counted twice). False for a bad expression.
function search(term) {
    var re;
    try { re = new RegExp(term, ignorecase ? "i" : ""); } catch (e) { return false; }
    searchTerm = term;
    clearHighlight();
    var spans = [], gs = frames.children;
    for (var i = 0; i < gs.length; i++) {
        var g = gs[i], r = rectOf(g);
        if (g.classList.contains("hide") || g.classList.contains("parent")) continue;
        if (!re.test(nameOf(g))) continue;
        r.setAttribute("fg:fill", r.getAttribute("fill"));
        r.setAttribute("fill", "rgb(230,0,230)");
        var x = num(r, "fg:x");
        spans.push([x, x + num(r, "fg:w")]);
    }
    spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var covered = 0, end = -Infinity;
    spans.forEach(function (s) {
        if (s[0] >= end) { covered += s[1] - s[0]; end = s[1]; }
        else if (s[1] > end) { covered += s[1] - end; end = s[1]; }
    });
    var whole = zoomed ? num(rectOf(zoomed), "fg:w") : total;
    searchbtn.classList.add("show");
    searchbtn.firstChild.nodeValue = "Reset Search";
    matchedtxt.classList.remove("hide");
    matchedtxt.firstChild.nodeValue = "Matched: " + (100 * covered / whole).toFixed(1) + "%";
    return true;
}

function resetSearch() {
    searchTerm = null;
    clearHighlight();
    searchbtn.classList.remove("show");
    searchbtn.firstChild.nodeValue = "Search";
    matchedtxt.classList.add("hide");
}

function searchPrompt() {
    if (searchTerm !== null) { resetSearch(); return; }
    var term = prompt("Enter a search term (regexp allowed, eg: ^ext4_)" + (ignorecase ? ", ignoring case" : "") + "\nPress Ctrl-i to toggle case sensitivity", "");
    if (term) search(term);
}

function toggleIgnorecase() {
    ignorecase = !ignorecase;
    if (ignorecase) icbtn.classList.add("show"); else icbtn.classList.remove("show");
    if (searchTerm !== null) search(searchTerm);
}

window.addEventListener("click", function (e) {
    var g = frameOf(e.target);
    if (g) { zoom(g); return; }
    var id = e.target && e.target.id;
    if (id === "unzoom") resetZoom();
    else if (id === "search") searchPrompt();
    else if (id === "ignorecase") toggleIgnorecase();
}, false);
window.addEventListener("mouseover", function (e) {
    var g = frameOf(e.target);
    if (g) details.nodeValue = "Function: " + titleOf(g);
}, false);
window.addEventListener("mouseout", function (e) {
    if (frameOf(e.target)) details.nodeValue = " ";
}, false);
window.addEventListener("keydown", function (e) {
    if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) { e.preventDefault(); searchPrompt(); }
    else if (e.ctrlKey && e.keyCode === 73) { e.preventDefault(); toggleIgnorecase(); }
}, false);

"""#
}
