<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an RSS 2.0 or Atom 1.0 feed from feedpub as a short page, in browsers that still apply XSLT.
     Nothing depends on it: Chromium shows feeds served as application/rss+xml or application/atom+xml as
     text and is removing XSLT, so people are linked to each feed's HTML page instead (docs/browser-view.md).
     This page points there too. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>
  <xsl:variable name="page" select="rss/channel/link | atom:feed/atom:link[@rel='alternate']/@href"/>
  <xsl:template match="/">
    <html>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <title><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/></title>
        <style>
          body { font: 1.0625rem/1.55 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1.25rem;
            background: #fbfbf9; color: #1d1e20; }
          a { color: #0b57d0; }
          .note { background: #f1f1ec; padding: .75rem 1rem; border-radius: .5rem; }
          li { margin: .6rem 0; }
          .meta { color: #5b5f66; font-size: .875rem; }
          @media (prefers-color-scheme: dark) {
            body { background: #131417; color: #e7e5e2; } a { color: #8ab4f8; }
            .note { background: #1d1f23; } .meta { color: #a0a4ab; }
          }
        </style>
      </head>
      <body>
        <p class="note">This is a web feed, for feed readers: copy its address from the address bar into yours to
          subscribe. <a class="page" href="{$page}">Read this feed as a web page</a>.</p>
        <h1><xsl:value-of select="rss/channel/title | atom:feed/atom:title"/></h1>
        <ul>
          <xsl:for-each select="rss/channel/item">
            <li><a href="{link}"><xsl:value-of select="title"/></a>
              <div class="meta"><time><xsl:value-of
                select="concat(number(substring(pubDate, 6, 2)), ' ', substring(pubDate, 9, 8))"/></time></div></li>
          </xsl:for-each>
          <xsl:for-each select="atom:feed/atom:entry">
            <li><a href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
              <div class="meta"><time datetime="{atom:published}"><xsl:value-of select="concat(
                number(substring(atom:published, 9, 2)), ' ',
                substring('JanFebMarAprMayJunJulAugSepOctNovDec', 3 * substring(atom:published, 6, 2) - 2, 3), ' ',
                substring(atom:published, 1, 4))"/></time></div></li>
          </xsl:for-each>
        </ul>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
