/// The dashboard's style sheet and its one script, served from `/static/` so the
/// Content-Security-Policy needs no `unsafe-inline`. The pages work without the script: it only
/// submits a filter form when one of its fields changes.
enum Assets {
    static let styleSheet = """
        :root { color-scheme: light; --ok: #2e7d32; --warn: #ef6c00; --bad: #c62828; --ink: #1d2733; --muted: #5f6b7a; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f5f7fa; }
        header { background: #1d2733; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
        header a { color: #cfe3ff; text-decoration: none; }
        header a.active { color: #fff; font-weight: 600; }
        header .brand { font-weight: 700; font-size: 18px; color: #fff; }
        main { padding: 16px 24px 48px; max-width: 1200px; }
        h1 { font-size: 22px; margin: 8px 0 12px; word-break: break-all; }
        h2 { font-size: 17px; margin: 28px 0 8px; }
        table { border-collapse: collapse; background: #fff; width: 100%; margin: 4px 0 12px; }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e3e8ee; vertical-align: top; }
        th { background: #eef2f6; font-weight: 600; font-size: 13px; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td { overflow-wrap: break-word; }
        .rate-ok { color: var(--ok); } .rate-warn { color: var(--warn); } .rate-bad { color: var(--bad); font-weight: 600; }
        .muted { color: var(--muted); }
        .tag { display: inline-block; background: #fff3e0; color: #8a4b00; border-radius: 3px; padding: 0 5px; margin: 1px 2px; font-size: 13px; }
        .tag.new { background: #fde7e9; color: #8e1b24; }
        .cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 16px; }
        .card { background: #fff; border: 1px solid #e3e8ee; border-radius: 6px; padding: 10px 16px; min-width: 150px; }
        .card .value { font-size: 22px; font-weight: 650; }
        .card .label { color: var(--muted); font-size: 13px; }
        form.filters { display: flex; gap: 10px; flex-wrap: wrap; align-items: end; background: #fff; padding: 10px; border: 1px solid #e3e8ee; border-radius: 6px; }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        form.filters input { font: inherit; padding: 3px 6px; min-width: 140px; }
        .alerts li { margin: 4px 0; }
        .alert { border-left: 4px solid var(--bad); background: #fff; padding: 8px 12px; margin: 6px 0; }
        .hint { color: var(--muted); font-size: 13px; }
        pre { background: #fff; border: 1px solid #e3e8ee; padding: 12px; overflow: auto; max-height: 480px; white-space: pre-wrap; word-break: break-all; }
        svg { background: #fff; border: 1px solid #e3e8ee; }
        svg.spark { border: none; background: transparent; vertical-align: middle; }
        .legend span { display: inline-block; margin-right: 12px; font-size: 13px; }
        .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
        .pager a, .pager span { margin-right: 12px; }
        .error { background: #fde7e9; border: 1px solid #e9aeb4; padding: 10px 14px; }
        """

    static let script = """
        // Optional: submits a filter form when one of its fields changes. The pages work without it.
        document.addEventListener("change", function (event) {
          var form = event.target && event.target.form;
          if (form && form.classList.contains("filters") && event.target.type === "date") { form.submit(); }
        });
        """
}
