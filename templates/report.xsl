<?xml version="1.0" encoding="UTF-8"?>
<!--
  report.xsl - report.html from a hubwarden evidence report (report.xml).

  Re-render a bundle's HTML with:   xsltproc templates/report.xsl report.xml > report.html
  (the result is byte for byte the report.html hubwarden wrote).

  Self-contained: inline CSS and SVG, no script, nothing fetched; a
  Content-Security-Policy forbids scripts and remote content.  Prints on A4
  and Letter.  It shows summaries and the worst items; the complete
  detail is in report.xml (<requirements>) and findings.csv.  This template
  reads only the root element's attributes, scope, summary, open-items,
  manual-requirements, actions, exceptions, suppressed-findings and
  untrusted-findings: hubwarden renders from those parts alone.
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:h="urn:hubwarden:report:1" exclude-result-prefixes="h">
  <xsl:output method="html" encoding="UTF-8" indent="no"/>

  <xsl:variable name="max-rows" select="200"/>
  <xsl:variable name="max-text" select="300"/>

  <xsl:template match="/">
    <xsl:text disable-output-escaping="yes">&lt;!DOCTYPE html&gt;&#10;</xsl:text>
    <xsl:apply-templates select="h:report"/>
  </xsl:template>

  <!-- passed / decided, as a percentage with one decimal; "-" when nothing was decided -->
  <xsl:template name="rate">
    <xsl:param name="c"/>
    <xsl:variable name="p" select="sum($c[@status='PASSED' or @status='EXCEPTION']/@n)"/>
    <xsl:variable name="d" select="sum($c[@status='PASSED' or @status='EXCEPTION' or @status='FAILED' or @status='PARTIAL']/@n)"/>
    <xsl:choose>
      <xsl:when test="$d &gt; 0"><xsl:value-of select="format-number(100 * $p div $d, '0.0')"/></xsl:when>
      <xsl:otherwise>-</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="cut">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="string-length($s) &gt; $max-text">
        <xsl:value-of select="substring($s, 1, $max-text)"/>
        <xsl:text>… (</xsl:text><xsl:value-of select="string-length($s)"/><xsl:text> characters)</xsl:text>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- a horizontal bar chart of pass rates: one bar per node in $rows -->
  <xsl:template name="bars">
    <xsl:param name="rows"/>
    <xsl:param name="label"/>
    <xsl:variable name="n" select="count($rows)"/>
    <svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="640" height="{20 * $n + 24}" viewBox="0 0 640 {20 * $n + 24}">
      <title><xsl:value-of select="$label"/></title>
      <line x1="200" y1="0" x2="200" y2="{20 * $n + 4}" stroke="#888"/>
      <text x="200" y="{20 * $n + 18}" font-size="10">0%</text>
      <text x="590" y="{20 * $n + 18}" font-size="10">100%</text>
      <xsl:for-each select="$rows">
        <xsl:variable name="p" select="sum(h:count[@status='PASSED' or @status='EXCEPTION']/@n)"/>
        <xsl:variable name="d" select="sum(h:count[@status='PASSED' or @status='EXCEPTION' or @status='FAILED' or @status='PARTIAL']/@n)"/>
        <xsl:variable name="w">
          <xsl:choose>
            <xsl:when test="$d &gt; 0"><xsl:value-of select="round(400 * $p div $d)"/></xsl:when>
            <xsl:otherwise>0</xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <text x="194" y="{20 * position() - 6}" font-size="11" text-anchor="end"><xsl:value-of select="substring(@id, 1, 30)"/></text>
        <rect x="200" y="{20 * position() - 17}" width="400" height="14" fill="#f3d0d0"/>
        <rect x="200" y="{20 * position() - 17}" width="{$w}" height="14" fill="#3a8a4a"/>
        <text x="606" y="{20 * position() - 6}" font-size="11">
          <xsl:choose>
            <xsl:when test="$d &gt; 0"><xsl:value-of select="format-number(100 * $p div $d, '0')"/>%</xsl:when>
            <xsl:otherwise>n/a</xsl:otherwise>
          </xsl:choose>
        </text>
      </xsl:for-each>
    </svg>
  </xsl:template>

  <xsl:template name="trend">
    <xsl:variable name="runs" select="h:summary/h:trend/h:run"/>
    <xsl:variable name="n" select="count($runs)"/>
    <xsl:choose>
      <xsl:when test="$n &lt; 2"><p class="note">One run so far: no trend yet.</p></xsl:when>
      <xsl:otherwise>
        <svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="640" height="180" viewBox="0 0 640 180">
          <title>Pass rate over runs</title>
          <line x1="40" y1="150" x2="620" y2="150" stroke="#888"/>
          <line x1="40" y1="10" x2="40" y2="150" stroke="#888"/>
          <text x="4" y="14" font-size="10">100%</text>
          <text x="4" y="150" font-size="10">0%</text>
          <xsl:for-each select="$runs">
            <xsl:variable name="p" select="sum(h:count[@status='PASSED' or @status='EXCEPTION']/@n)"/>
            <xsl:variable name="d" select="sum(h:count[@status='PASSED' or @status='EXCEPTION' or @status='FAILED' or @status='PARTIAL']/@n)"/>
            <xsl:variable name="r"><xsl:choose><xsl:when test="$d &gt; 0"><xsl:value-of select="$p div $d"/></xsl:when><xsl:otherwise>0</xsl:otherwise></xsl:choose></xsl:variable>
            <xsl:variable name="x" select="round(40 + 580 * (position() - 1) div ($n - 1))"/>
            <circle cx="{$x}" cy="{round(150 - 140 * $r)}" r="3" fill="#3a8a4a"><title><xsl:value-of select="@started"/>: <xsl:value-of select="format-number(100 * $r, '0.0')"/>%</title></circle>
          </xsl:for-each>
          <text x="40" y="170" font-size="10"><xsl:value-of select="substring($runs[1]/@started, 1, 10)"/></text>
          <text x="620" y="170" font-size="10" text-anchor="end"><xsl:value-of select="substring($runs[last()]/@started, 1, 10)"/></text>
        </svg>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="status-cells">
    <xsl:param name="c"/>
    <xsl:param name="statuses"/>
    <xsl:for-each select="$statuses">
      <xsl:variable name="s" select="@status"/>
      <td class="num"><xsl:value-of select="sum($c[@status=$s]/@n)"/></td>
    </xsl:for-each>
  </xsl:template>

  <xsl:template match="h:report">
    <xsl:variable name="fw" select="h:scope/h:framework"/>
    <xsl:variable name="statuses" select="h:summary/h:statuses/h:count"/>
    <html lang="en">
      <head>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>hubwarden evidence: <xsl:value-of select="$fw/@name"/><xsl:text> </xsl:text><xsl:value-of select="$fw/@version"/></title>
        <style>
body { font: 10.5pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 2em auto; max-width: 60em; padding: 0 1em; }
h1 { font-size: 16pt; margin: 0 0 .3em; } h2 { font-size: 13pt; margin: 1.6em 0 .4em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; } th, td { border: 1px solid #bbb; padding: .15em .35em; text-align: left; vertical-align: top; }
th { background: #eee; } td.num { text-align: right; } .note { color: #555; font-size: 9.5pt; }
td, .wrap { overflow-wrap: anywhere; word-break: break-word; }
.CRITICAL { color: #fff; background: #8b0000; } .HIGH { background: #f2b8b8; } .MEDIUM { background: #f6deb0; }
.FAILED, .PARTIAL { color: #8b0000; font-weight: bold; } .PASSED { color: #1d6b2e; }
dl { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; } dt { font-weight: bold; } dd { margin: 0; }
svg.chart { display: block; max-width: 100%; height: auto; }
@page { margin: 14mm 12mm; }
@media print { body { margin: 0; max-width: none; font-size: 9pt; } h2 { break-after: avoid; } tr, svg { break-inside: avoid; } }
        </style>
      </head>
      <body>
        <h1>Compliance evidence: <xsl:value-of select="$fw/@name"/><xsl:text> </xsl:text><xsl:value-of select="$fw/@version"/></h1>
        <p class="note">Rendered from the signed report.xml of this bundle; the complete detail is in report.xml and findings.csv.</p>
        <h2>Scope</h2>
        <dl>
          <dt>Framework</dt><dd><xsl:value-of select="$fw/@id"/> (file <xsl:value-of select="$fw/@file"/>, SHA-256 <code><xsl:value-of select="$fw/@sha256"/></code>)</dd>
          <dt>Catalogue</dt><dd><xsl:value-of select="h:scope/h:catalogue/@file"/>, SHA-256 <code><xsl:value-of select="h:scope/h:catalogue/@sha256"/></code><xsl:if test="h:scope/h:catalogue/@folder-sha256">; the whole folder (as <code>hubwarden version</code> prints it) <code><xsl:value-of select="h:scope/h:catalogue/@folder-sha256"/></code></xsl:if></dd>
          <dt>Organization</dt><dd><xsl:choose><xsl:when test="h:scope/h:organization/@id"><xsl:value-of select="h:scope/h:organization/@id"/></xsl:when><xsl:otherwise>not recorded</xsl:otherwise></xsl:choose></dd>
          <dt>Organization root</dt><dd><xsl:value-of select="h:scope/h:organization/@root"/></dd>
          <dt>Scan run</dt><dd><xsl:value-of select="h:scope/h:run/@id"/> (<xsl:value-of select="h:scope/h:run/@status"/>; started <xsl:value-of select="h:scope/h:run/@started"/>, finished <xsl:value-of select="h:scope/h:run/@finished"/>)</dd>
          <dt>Period</dt><dd><xsl:choose><xsl:when test="h:scope/h:period/@from != ''"><xsl:value-of select="h:scope/h:period/@from"/></xsl:when><xsl:otherwise>(open)</xsl:otherwise></xsl:choose> to <xsl:value-of select="h:scope/h:period/@to"/></dd>
          <dt>Generated</dt><dd><xsl:value-of select="@generated"/> by hubwarden <xsl:value-of select="h:scope/h:hubwarden/@version"/></dd>
          <dt>Audit log head</dt><dd>entry <xsl:value-of select="h:scope/h:audit-log/@seq"/>, SHA-256 <code><xsl:value-of select="h:scope/h:audit-log/@head"/></code></dd>
          <dt>Accounts</dt><dd><xsl:value-of select="count(h:scope/h:accounts/h:account)"/></dd>
          <dt>Regions</dt><dd><xsl:for-each select="h:scope/h:regions/h:region"><xsl:if test="position() &gt; 1">, </xsl:if><xsl:value-of select="."/></xsl:for-each></dd>
          <xsl:for-each select="h:scope/h:filter"><dt>Only <xsl:value-of select="@kind"/></dt><dd><xsl:value-of select="."/></dd></xsl:for-each>
        </dl>
        <xsl:if test="$fw/h:caveat"><p class="note">What this does not prove: <xsl:value-of select="$fw/h:caveat"/></p></xsl:if>

        <h2>Summary</h2>
        <p>Pass rate: <strong><xsl:call-template name="rate"><xsl:with-param name="c" select="$statuses"/></xsl:call-template>%</strong> of <xsl:value-of select="h:summary/@results"/> results (requirement × account); open items: <strong><xsl:value-of select="h:open-items/@count"/></strong>.</p>
        <table>
          <tr><xsl:for-each select="$statuses"><th><xsl:value-of select="@status"/></th></xsl:for-each></tr>
          <tr><xsl:for-each select="$statuses"><td class="num"><xsl:value-of select="@n"/></td></xsl:for-each></tr>
        </table>
        <h3>Pass rate per requirement family</h3>
        <xsl:call-template name="bars">
          <xsl:with-param name="rows" select="h:summary/h:families/h:family"/>
          <xsl:with-param name="label">Pass rate per requirement family</xsl:with-param>
        </xsl:call-template>
        <h3>Pass rate over runs</h3>
        <xsl:call-template name="trend"/>

        <h2>Open items, most critical first</h2>
        <xsl:choose>
          <xsl:when test="not(h:open-items/h:item)"><p>None.</p></xsl:when>
          <xsl:otherwise>
            <table>
              <tr><th>Severity</th><th>Requirement</th><th>Account</th><th>Failing controls</th></tr>
              <xsl:for-each select="h:open-items/h:item[position() &lt;= $max-rows]">
                <tr>
                  <td class="{@severity}"><xsl:value-of select="@severity"/></td>
                  <td><xsl:value-of select="@requirement"/>: <xsl:value-of select="@title"/></td>
                  <td><xsl:value-of select="@account"/></td>
                  <td><xsl:for-each select="h:control"><xsl:if test="position() &gt; 1">, </xsl:if><xsl:value-of select="@id"/> (<xsl:value-of select="@failed"/>)</xsl:for-each></td>
                </tr>
              </xsl:for-each>
            </table>
            <xsl:if test="h:open-items/@count &gt; $max-rows"><p class="note"><xsl:value-of select="h:open-items/@count - $max-rows"/> more in report.xml.</p></xsl:if>
          </xsl:otherwise>
        </xsl:choose>

        <h2>Requirements</h2>
        <table>
          <tr><th>Requirement</th><th>Pass rate</th><xsl:for-each select="$statuses"><th><xsl:value-of select="@status"/></th></xsl:for-each></tr>
          <xsl:for-each select="h:summary/h:by-requirement/h:requirement">
            <tr>
              <td><xsl:value-of select="@id"/>: <xsl:value-of select="@title"/><xsl:if test="@manual = '1'"> (manual)</xsl:if></td>
              <td class="num"><xsl:call-template name="rate"><xsl:with-param name="c" select="h:count"/></xsl:call-template></td>
              <xsl:call-template name="status-cells"><xsl:with-param name="c" select="h:count"/><xsl:with-param name="statuses" select="$statuses"/></xsl:call-template>
            </tr>
          </xsl:for-each>
        </table>

        <h2>Accounts</h2>
        <xsl:call-template name="bars">
          <xsl:with-param name="rows" select="h:summary/h:by-account/h:account[position() &lt;= 60]"/>
          <xsl:with-param name="label">Pass rate per account</xsl:with-param>
        </xsl:call-template>
        <table>
          <tr><th>Account</th><th>Name</th><th>OU</th><th>Pass rate</th><xsl:for-each select="$statuses"><th><xsl:value-of select="@status"/></th></xsl:for-each></tr>
          <xsl:for-each select="h:summary/h:by-account/h:account">
            <xsl:sort select="sum(h:count[@status='FAILED' or @status='PARTIAL']/@n)" data-type="number" order="descending"/>
            <xsl:sort select="@id"/>
            <xsl:if test="position() &lt;= $max-rows">
              <xsl:variable name="id" select="@id"/>
              <xsl:variable name="a" select="/h:report/h:scope/h:accounts/h:account[@id = $id]"/>
              <tr>
                <td><xsl:value-of select="@id"/></td>
                <td><xsl:call-template name="cut"><xsl:with-param name="s" select="$a/@name"/></xsl:call-template></td>
                <td><xsl:value-of select="$a/@ou-names"/></td>
                <td class="num"><xsl:call-template name="rate"><xsl:with-param name="c" select="h:count"/></xsl:call-template></td>
                <xsl:call-template name="status-cells"><xsl:with-param name="c" select="h:count"/><xsl:with-param name="statuses" select="$statuses"/></xsl:call-template>
              </tr>
            </xsl:if>
          </xsl:for-each>
        </table>
        <xsl:if test="count(h:summary/h:by-account/h:account) &gt; $max-rows"><p class="note"><xsl:value-of select="count(h:summary/h:by-account/h:account) - $max-rows"/> more accounts in report.xml.</p></xsl:if>

        <h2>Manual requirements: evidence to collect by hand</h2>
        <xsl:choose>
          <xsl:when test="not(h:manual-requirements/h:requirement)"><p>None.</p></xsl:when>
          <xsl:otherwise>
            <table>
              <tr><th>Requirement</th><th>What the auditor collects</th></tr>
              <xsl:for-each select="h:manual-requirements/h:requirement">
                <tr><td><xsl:value-of select="@id"/>: <xsl:value-of select="@title"/></td><td><xsl:value-of select="h:collect"/></td></tr>
              </xsl:for-each>
            </table>
          </xsl:otherwise>
        </xsl:choose>

        <h2>Remediation actions in the period</h2>
        <xsl:choose>
          <xsl:when test="not(h:actions/h:action)"><p>None recorded.</p></xsl:when>
          <xsl:otherwise>
            <table>
              <tr><th>Planned</th><th>Executed</th><th>Account</th><th>Control</th><th>Action</th><th>Resource</th><th>State</th><th>Approved by</th></tr>
              <xsl:for-each select="h:actions/h:action[position() &lt;= $max-rows]">
                <tr><td><xsl:value-of select="@planned"/></td><td><xsl:value-of select="@executed"/></td><td><xsl:value-of select="@account"/></td><td><xsl:value-of select="@control"/></td><td><xsl:value-of select="@action"/><xsl:if test="@destructive = '1'"> (destructive)</xsl:if></td><td><xsl:call-template name="cut"><xsl:with-param name="s" select="@resource"/></xsl:call-template></td><td><xsl:value-of select="@state"/></td><td><xsl:value-of select="h:approval"/></td></tr>
              </xsl:for-each>
            </table>
            <xsl:if test="h:actions/@count &gt; $max-rows"><p class="note"><xsl:value-of select="h:actions/@count - $max-rows"/> more in report.xml.</p></xsl:if>
          </xsl:otherwise>
        </xsl:choose>

        <h2>Exceptions (risk acceptances)</h2>
        <xsl:choose>
          <xsl:when test="not(h:exceptions/h:exception)"><p>None recorded.</p></xsl:when>
          <xsl:otherwise>
            <table>
              <tr><th>Account</th><th>Control</th><th>Approver</th><th>Reason</th><th>Until</th><th>State</th></tr>
              <xsl:for-each select="h:exceptions/h:exception[position() &lt;= $max-rows]">
                <tr><td><xsl:value-of select="@account"/></td><td><xsl:value-of select="@control"/></td><td><xsl:value-of select="@approver"/></td><td><xsl:call-template name="cut"><xsl:with-param name="s" select="h:reason"/></xsl:call-template></td><td><xsl:value-of select="@expires"/></td><td><xsl:value-of select="@state"/></td></tr>
              </xsl:for-each>
            </table>
          </xsl:otherwise>
        </xsl:choose>

        <h2>Suppressed findings</h2>
        <xsl:call-template name="findings"><xsl:with-param name="f" select="h:suppressed-findings"/></xsl:call-template>
        <h2>Untrusted findings (stored and reported, never acted on)</h2>
        <xsl:call-template name="findings"><xsl:with-param name="f" select="h:untrusted-findings"/></xsl:call-template>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="findings">
    <xsl:param name="f"/>
    <xsl:choose>
      <xsl:when test="not($f/h:finding)"><p>None.</p></xsl:when>
      <xsl:otherwise>
        <table>
          <tr><th>Account</th><th>Control</th><th>Severity</th><th>Title</th><th>Why</th><th>Finding</th></tr>
          <xsl:for-each select="$f/h:finding[position() &lt;= $max-rows]">
            <tr>
              <td><xsl:value-of select="@account"/></td>
              <td><xsl:value-of select="@control"/></td>
              <td><xsl:value-of select="@severity"/></td>
              <td><xsl:call-template name="cut"><xsl:with-param name="s" select="h:title"/></xsl:call-template></td>
              <td><xsl:call-template name="cut"><xsl:with-param name="s" select="h:reason"/></xsl:call-template></td>
              <td class="wrap"><xsl:call-template name="cut"><xsl:with-param name="s" select="@id"/></xsl:call-template></td>
            </tr>
          </xsl:for-each>
        </table>
        <xsl:if test="$f/@count &gt; $max-rows"><p class="note"><xsl:value-of select="$f/@count - $max-rows"/> more in report.xml.</p></xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
