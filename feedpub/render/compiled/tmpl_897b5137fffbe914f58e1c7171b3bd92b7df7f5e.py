from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'layout.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_settings = resolve('settings')
    l_0_icon = resolve('icon')
    l_0_link = resolve('link')
    l_0_page = resolve('page')
    l_0_index = resolve('index')
    l_0_formats = resolve('formats')
    l_0_opml = resolve('opml')
    pass
    yield '<!DOCTYPE html>\n<html lang="'
    yield escape(environment.getattr((undefined(name='settings') if l_0_settings is missing else l_0_settings), 'language'))
    yield '">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n<meta name="referrer" content="no-referrer">\n<title>'
    yield from context.blocks['title'][0](context)
    yield '</title>\n'
    if (undefined(name='icon') if l_0_icon is missing else l_0_icon):
        pass
        yield '\n<link rel="icon" href="'
        yield escape((undefined(name='icon') if l_0_icon is missing else l_0_icon))
        yield '">\n'
    yield '\n'
    yield from context.blocks['head'][0](context)
    yield '\n<style>\n:root { --bg: #fbfbf9; --fg: #1d1e20; --muted: #5b5f66; --rule: #e2e2dc; --accent: #0b57d0; --panel: #f1f1ec;\n  --placeholder: #dedfd9; }\n@media (prefers-color-scheme: dark) {\n  :root { --bg: #131417; --fg: #e7e5e2; --muted: #a0a4ab; --rule: #2c2e33; --accent: #8ab4f8; --panel: #1d1f23;\n    --placeholder: #2a2c31; }\n}\n* { box-sizing: border-box; }\nhtml { color-scheme: light dark; }\nbody { margin: 0; background: var(--bg); color: var(--fg);\n  font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif; }\na { color: var(--accent); text-underline-offset: .15em; }\n.bar, main, footer { max-width: 54rem; margin: 0 auto; padding: 0 1.25rem; }\nheader.site { border-bottom: 1px solid var(--rule); }\n.bar { display: flex; align-items: center; gap: .6rem; min-height: 3.25rem; }\n.bar a { color: var(--fg); font-weight: 650; text-decoration: none; }\nh1, h2 { font-family: Charter, "Bitstream Charter", "Iowan Old Style", Georgia, "Noto Serif", "DejaVu Serif", serif;\n  line-height: 1.2; font-weight: 700; }\nh1 { font-size: clamp(1.6rem, 5vw, 2.25rem); margin: 1.75rem 0 .5rem; }\n.lede { color: var(--muted); font-size: 1.125rem; margin: 0 0 1.25rem; }\n.meta { color: var(--muted); font-size: .875rem; margin: 0 0 .35rem; }\ntime, .count { font-variant-numeric: tabular-nums; }\n/* Images keep their box while loading (width and height are set); one that fails to load shows as a plain\n   placeholder, never a broken-image icon: browsers draw ::after only for images that are not shown. */\nimg { background: var(--placeholder); color: transparent; position: relative; overflow: hidden; }\nimg::after { content: ""; position: absolute; inset: 0; background: var(--placeholder); }\n.logo { flex: none; width: 2rem; height: 2rem; border-radius: .375rem; object-fit: contain; }\n.subscribe a { display: inline-block; margin: .15rem .5rem .15rem 0; padding: .2rem .65rem; border: 1px solid var(--rule);\n  border-radius: 999px; background: var(--panel); font-size: .9375rem; font-weight: 600; text-decoration: none; }\n.subscribe a:hover, .subscribe a:focus-visible { border-color: var(--accent); }\nfooter { color: var(--muted); font-size: .875rem; padding-top: 2rem; padding-bottom: 3rem; }\n'
    yield from context.blocks['style'][0](context)
    yield '\n</style>\n</head>\n<body>\n<header class="site"><div class="bar">\n'
    if environment.getattr((undefined(name='settings') if l_0_settings is missing else l_0_settings), 'logo'):
        pass
        yield '<img class="logo" src="'
        yield escape(environment.getattr((undefined(name='settings') if l_0_settings is missing else l_0_settings), 'logo'))
        yield '" alt="" width="32" height="32">'
    yield '\n<a href="'
    yield escape(context.call((undefined(name='link') if l_0_link is missing else l_0_link), (undefined(name='page') if l_0_page is missing else l_0_page), (undefined(name='index') if l_0_index is missing else l_0_index)))
    yield '">'
    yield escape(environment.getattr((undefined(name='settings') if l_0_settings is missing else l_0_settings), 'title'))
    yield '</a>\n</div></header>\n<main>\n'
    yield from context.blocks['main'][0](context)
    yield '\n</main>\n<footer>\n<p>Feeds in '
    l_1_loop = missing
    for l_1_format, l_1_loop in LoopContext((undefined(name='formats') if l_0_formats is missing else l_0_formats), undefined):
        _loop_vars = {}
        pass
        yield escape(environment.getattr(l_1_format, 'label'))
        yield escape((', ' if (environment.getattr(l_1_loop, 'revindex') > 2) else (' and ' if (environment.getattr(l_1_loop, 'revindex') == 2) else '')))
    l_1_loop = l_1_format = missing
    yield '.\nCopy a feed link into your feed reader to subscribe, or import <a href="'
    yield escape(context.call((undefined(name='link') if l_0_link is missing else l_0_link), (undefined(name='page') if l_0_page is missing else l_0_page), (undefined(name='opml') if l_0_opml is missing else l_0_opml)))
    yield '" type="text/x-opml">every feed at once (OPML)</a>.</p>\n</footer>\n</body>\n</html>\n'

def block_title(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass

def block_head(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass

def block_style(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass

def block_main(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass

blocks = {'title': block_title, 'head': block_head, 'style': block_style, 'main': block_main}
debug_info = '2=19&8=21&9=23&10=26&12=29&44=31&49=33&50=39&53=43&56=46&57=53&8=56&12=65&44=74&53=83'