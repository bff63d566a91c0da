"""R cells that fail because of the environment (one family each), and ordinary R errors that
must give no card. Each scenario is run in a real IRkernel (``r_runner``): the live test
asserts its finding, and ``capture_corpus.py`` stores what the kernel published as the corpus.

``code`` may name loopback servers and folders as ``{placeholders}`` (see
``r_runner.Resources``); ``setup`` names how the kernel is started (``r_runner.setup_for``);
``expect`` is the top finding's (kind, subject, confidence), or None for "no card".
"""

from __future__ import annotations

from r_held_out import HELD_OUT
from r_scenario_types import (
    BLOCK_ARROW,
    BLOCK_SELENIUM,
    DISK,
    DISK_MEDIUM,
    DNS,
    DSN_DRIVER,
    INDEX,
    MEMORY,
    NEEDS_XML2,
    PROXY,
    PROXY_MEDIUM,
    SHARED,
    SITE_LIBRARY,
    TLS,
    Scenario,
    env_case,
    missing,
)

_s = env_case
_missing = missing

_ENVIRONMENT: list[Scenario] = [
    # -- packages: not installed -------------------------------------------------------------
    _s("packages", "utf8", "library(ggplot2)", _missing("ggplot2")),
    _s("packages", "ascii", "library(ggplot2)", _missing("ggplot2")),
    _s("packages", "utf8", 'library("arrow")', _missing("arrow")),
    _s("packages", "utf8", "require(dplyr)", _missing("dplyr")),
    _s("packages", "ascii", "require(dplyr)", _missing("dplyr")),
    _s("packages", "utf8", 'loadNamespace("xgboost")', _missing("xgboost")),
    _s("packages", "utf8", 'readxl::read_excel("sales.xlsx")', _missing("readxl")),
    _s("packages", "ascii", 'readxl::read_excel("sales.xlsx")', _missing("readxl")),
    _s(
        "packages",
        "utf8",
        "suppressPackageStartupMessages(library(tidyverse))",
        _missing("tidyverse"),
    ),
    _s("packages", "utf8", "library(Seurat)", _missing("Seurat")),
    _s("packages", "utf8", 'rlang::check_installed("arrow")', _missing("arrow")),
    _s("packages", "ascii", 'rlang::check_installed("arrow")', _missing("arrow")),
    _s(
        "packages",
        "utf8",
        'rlang::check_installed(c("duckdb", "arrow"), reason = "to read Parquet files.")',
        _missing("duckdb"),
    ),
    _s("packages", "utf8", NEEDS_XML2, _missing("xml2")),
    _s("packages", "ascii", NEEDS_XML2, _missing("xml2")),
    _s(
        "packages",
        "utf8",
        'writeLines("a,b\\n1,2", gzfile("t.csv.gz")); data.table::fread("t.csv.gz")',
        _missing("R.utils", "medium"),
    ),
    _s(
        "packages",
        "utf8",
        'if (!requireNamespace("openxlsx", quietly = TRUE)) stop("Package \\"openxlsx\\" needed '
        'for this function to work. Please install it.", call. = FALSE)',
        _missing("openxlsx"),
    ),
    _s(
        "packages",
        "utf8",
        'if (!requireNamespace("sf", quietly = TRUE)) stop("Package \'sf\' must be installed '
        'to use this function.")',
        _missing("sf"),
    ),
    _s("packages", "utf8", 'DBI::dbConnect(odbc::odbc(), dsn = "sales")', _missing("odbc")),
    _s("packages", "utf8", "library(corpdatatools)", _missing("corpdatatools", "medium")),
    _s("packages", "ascii", "corpviz::theme_corp()", _missing("corpviz", "medium")),
    _s(
        "packages",
        "utf8",
        'loadNamespace("rlang", versionCheck = list(op = ">=", version = "9.0"))',
        _missing("rlang", "medium"),
    ),
    _s(
        "packages",
        "utf8",
        "install.packages('ggplot2', repos = 'http://127.0.0.1:{firewall_cran}')",
        _missing("ggplot2", "medium"),
    ),
    # -- blocked: the policy's blocklist, a repository's 403 ---------------------------------
    _s(
        "blocked",
        "utf8",
        "install.packages('RSelenium', repos = 'http://127.0.0.1:{firewall_cran}')",
        ("blocked_package", "cran:RSelenium", "high"),
    ),
    _s(
        "blocked",
        "ascii",
        "install.packages('RSelenium', repos = 'http://127.0.0.1:{firewall_cran}')",
        ("blocked_package", "cran:RSelenium", "high"),
    ),
    _s(
        "blocked",
        "utf8",
        "install.packages(c('leaflet'), repos = 'http://127.0.0.1:{firewall_cran}')",
        ("blocked_package", "cran:leaflet", "high"),
    ),
    _s(
        "blocked",
        "utf8",
        "download.packages('arrow', destdir = tempdir(), repos = 'http://127.0.0.1:{firewall_cran}')",
        ("blocked_package", "cran:arrow", "high"),
    ),
    _s(
        "blocked",
        "utf8",
        "install.packages('arrow', repos = 'http://127.0.0.1:{firewall_cran}')",
        ("blocked_package", "cran:arrow", "high"),
        BLOCK_ARROW,
    ),
    _s(
        "blocked",
        "utf8",
        "library(RSelenium)",
        ("blocked_package", "cran:RSelenium", "high"),
        BLOCK_SELENIUM,
    ),
    _s(
        "blocked",
        "ascii",
        "require(RSelenium)",
        ("blocked_package", "cran:RSelenium", "high"),
        BLOCK_SELENIUM,
    ),
    _s(
        "blocked",
        "utf8",
        'rlang::check_installed("arrow")',
        ("blocked_package", "cran:arrow", "high"),
        BLOCK_ARROW,
    ),
    # -- drivers ---------------------------------------------------------------------------
    _s(
        "drivers",
        "odbc",
        'library(RODBC); ch <- odbcDriverConnect("Driver={{Ghost SQL Driver}};Server=db.corp")',
        DSN_DRIVER,
    ),
    _s("drivers", "odbc", 'ch <- RODBC::odbcConnect("ghostdsn", uid = "ana")', DSN_DRIVER),
    _s(
        "drivers",
        "odbc",
        'ch <- RODBC::odbcDriverConnect("Driver={{ODBC Driver 18 for SQL Server}};Server=db")',
        ("missing_driver", "odbc-driver:ODBC Driver 18 for SQL Server", "high"),
    ),
    _s(
        "drivers",
        "odbc",
        'ch <- RODBC::odbcConnect("sales_dw")',
        ("missing_driver", "odbc-dsn", "medium"),
    ),
    _s("drivers", "no_odbc", "library(RODBC)", ("missing_driver", "odbc-driver-manager", "high")),
    _s("drivers", "no_libpq", "library(RPostgreSQL)", ("missing_driver", "libpq", "high")),
    _s(
        "drivers",
        "no_libpq",
        'DBI::dbConnect(RPostgreSQL::PostgreSQL(), host = "db.corp", dbname = "sales")',
        ("missing_driver", "libpq", "high"),
    ),
    _s("drivers", "no_mariadb", "library(RMySQL)", ("missing_driver", "mysql-client", "high")),
    _s(
        "drivers",
        "no_mariadb",
        'DBI::dbConnect(RMySQL::MySQL(), host = "db.corp")',
        ("missing_driver", "mysql-client", "high"),
    ),
    _s("drivers", "no_jvm", "library(rJava)", ("missing_driver", "java-runtime", "high")),
    _s("drivers", "no_jvm", "rJava::.jinit()", ("missing_driver", "java-runtime", "high")),
    _s(
        "drivers",
        "utf8",
        'dyn.load("/opt/oracle/instantclient_21_1/libclntsh.so")',
        ("missing_driver", "oracle-client", "high"),
    ),
    _s(
        "drivers",
        "ascii",
        'dyn.load("/opt/oracle/instantclient_19_8/libclntsh.so.19.1")',
        ("missing_driver", "oracle-client", "high"),
    ),
    _s(
        "drivers",
        "utf8",
        'rJava::.jinit(); rJava::.jfindClass("oracle.jdbc.OracleDriver")',
        ("missing_driver", "jdbc-driver:oracle.jdbc.OracleDriver", "high"),
    ),
    # -- resources -------------------------------------------------------------------------
    _s("resources", "memory", "x <- numeric(3e8)", MEMORY),
    _s("resources", "memory", "m <- matrix(0, 2e4, 2e4)", MEMORY),
    _s("resources", "memory", "l <- lapply(1:40, function(i) numeric(5e7))", MEMORY),
    _s("resources", "memory", "dt <- data.table::data.table(x = runif(4e8))", MEMORY),
    _s("resources", "vsize", "x <- numeric(1e8)", MEMORY),
    _s("resources", "vsize", "l <- replicate(40, runif(1e6), simplify = FALSE)", MEMORY),
    _s("resources", "disk", 'writeLines(rep(strrep("x", 1000), 5000), "{tiny}/a.txt")', DISK),
    _s("resources", "disk", 'write.csv(data.frame(x = runif(2e5)), "{tiny}/b.csv")', DISK),
    _s(
        "resources",
        "disk",
        'data.table::fwrite(data.frame(x = runif(2e5)), "{tiny}/c.csv")',
        DISK,
    ),
    _s("resources", "disk", 'saveRDS(runif(1e6), "{tiny}/d.rds")', DISK_MEDIUM),
    _s(
        "resources",
        "disk",
        'x <- runif(1e6); save(x, file = "{tiny}/e.RData")',
        DISK_MEDIUM,
    ),
    _s(
        "resources",
        "disk",
        'con <- DBI::dbConnect(RSQLite::SQLite(), "{tiny}/f.sqlite"); '
        'DBI::dbWriteTable(con, "t", data.frame(x = runif(2e5)))',
        DISK_MEDIUM,
    ),
    _s(
        "resources",
        "disk",
        'file.copy(file.path(R.home("lib"), "libR.so"), "{tiny}/g.so")',
        DISK_MEDIUM,
    ),
    # -- network ---------------------------------------------------------------------------
    _s("network", "utf8", 'curl::curl_fetch_memory("https://nosuchhost.invalid/")', DNS),
    _s("network", "utf8", 'httr::GET("https://api.nosuchhost.invalid/v1")', DNS),
    _s(
        "network",
        "ascii",
        'httr2::req_perform(httr2::request("https://api.nosuchhost.invalid/v1"))',
        DNS,
    ),
    _s(
        "network",
        "utf8",
        'download.file("https://data.nosuchhost.invalid/x.csv", tempfile())',
        DNS,
    ),
    _s("network", "utf8", 'read.csv("https://data.nosuchhost.invalid/x.csv")', DNS),
    _s("network", "proxy403", 'httr::GET("https://api.example.com/v1")', PROXY),
    _s(
        "network",
        "proxy403",
        'httr2::req_perform(httr2::request("https://api.example.com/v1"))',
        PROXY,
    ),
    _s("network", "proxy403", 'curl::curl_fetch_memory("https://api.example.com/v1")', PROXY),
    _s(
        "network",
        "proxy403",
        'download.file("https://data.example.com/x.csv", tempfile())',
        PROXY_MEDIUM,
    ),
    _s("network", "proxy403", 'read.csv("https://data.example.com/x.csv")', PROXY_MEDIUM),
    _s("network", "proxy407", 'httr::GET("https://api.example.com/v1")', PROXY),
    _s(
        "network",
        "proxy407",
        'httr2::req_perform(httr2::request("https://api.example.com/v1"))',
        PROXY,
    ),
    _s("network", "proxy407", 'curl::curl_fetch_memory("https://api.example.com/v1")', PROXY),
    _s("network", "intercept", 'httr::GET("https://pypi.example.com/simple/")', TLS),
    _s(
        "network",
        "intercept",
        'httr2::req_perform(httr2::request("https://pypi.example.com/simple/"))',
        TLS,
    ),
    _s("network", "intercept", 'curl::curl_fetch_memory("https://pypi.example.com/")', TLS),
    _s(
        "network",
        "intercept",
        'download.file("https://pypi.example.com/x.csv", tempfile())',
        ("network_blocked", "tls-ca", "medium"),
    ),
    _s(
        "network",
        "intercept",
        'install.packages("ggplot2", repos = "https://cran.example.com")',
        INDEX,
    ),
    _s(
        "network",
        "proxy403",
        'install.packages("ggplot2", repos = "https://cran.example.com")',
        INDEX,
    ),
    _s(
        "network",
        "utf8",
        "install.packages('ggplot2', repos = 'http://127.0.0.1:{closed_port}')",
        INDEX,
    ),
    _s(
        "network",
        "utf8",
        "install.packages('ggplot2', repos = 'http://127.0.0.1:{refusing_cran}')",
        INDEX,
    ),
    _s(
        "network",
        "ascii",
        "install.packages('ggplot2', repos = 'http://127.0.0.1:{refusing_cran}')",
        INDEX,
    ),
    _s(
        "network",
        "utf8",
        "available.packages(repos = 'http://127.0.0.1:{refusing_cran}')",
        INDEX,
    ),
    _s("network", "utf8", 'install.packages("ggplot2")', INDEX),  # Debian's CRAN, unreachable
    _s(
        "network",
        "utf8",
        'options(repos = c(CRAN = "@CRAN@")); install.packages("ggplot2")',
        INDEX,
    ),
    # -- access ----------------------------------------------------------------------------
    _s("access", "nobody", 'read.csv("{shared}/q3.csv")', SHARED),
    _s("access", "nobody", 'readLines("{shared}/q3.csv")', SHARED),
    _s("access", "nobody", 'readRDS("{shared}/model.rds")', SHARED),
    _s("access", "nobody", 'write.csv(iris, "{shared}/out.csv")', SHARED),
    _s("access", "nobody", 'dir.create("{shared}/out")', SHARED),
    _s("access", "nobody", 'file.remove("{shared}/q3.csv")', SHARED),
    _s("access", "nobody_ascii", 'read.csv("{shared}/q3.csv")', SHARED),
    _s(
        "access",
        "nobody",
        "install.packages('ggplot2', repos = 'http://127.0.0.1:{closed_port}')",
        SITE_LIBRARY,
    ),
    _s(
        "access",
        "nobody_ascii",
        "install.packages('ggplot2', repos = 'http://127.0.0.1:{closed_port}')",
        SITE_LIBRARY,
    ),
    _s(
        "access",
        "nobody",
        "install.packages('ggplot2', lib = '/usr/lib/R/site-library', "
        "repos = 'http://127.0.0.1:{closed_port}')",
        ("access_denied", "path:/usr/lib/R/site-library", "high"),
    ),
]

_ORDINARY: list[Scenario] = [
    # -- ordinary errors: no card ------------------------------------------------------------
    _s("ordinary", "utf8", "x + 1"),
    _s("ordinary", "utf8", "undefined_function(1)"),
    _s("ordinary", "utf8", "list(1)[[3]]"),
    _s("ordinary", "utf8", 'stop("the model did not converge")'),
    _s("ordinary", "utf8", "log(-1)"),
    _s("ordinary", "utf8", 'as.numeric("abc")'),
    _s("ordinary", "utf8", "lm(y ~ x, data = data.frame(x = 1:3))"),
    _s("ordinary", "utf8", "matrix(1:6, 2) %*% matrix(1:6, 2)"),
    _s("ordinary", "utf8", 'read.csv("no_such_file.csv")'),
    _s("ordinary", "utf8", 'readRDS("missing_model.rds")'),
    _s(
        "ordinary",
        "utf8",
        'con <- DBI::dbConnect(RSQLite::SQLite(), ":memory:"); '
        'DBI::dbGetQuery(con, "SELECT * FROM sales")',
    ),
    _s(
        "ordinary",
        "utf8",
        'con <- DBI::dbConnect(RSQLite::SQLite(), ":memory:"); DBI::dbGetQuery(con, "SELEC 1")',
    ),
    _s(
        "ordinary",
        "utf8",
        'DBI::dbConnect(RPostgreSQL::PostgreSQL(), host = "127.0.0.1", port = {closed_port})',
    ),
    _s(
        "ordinary",
        "utf8",
        'DBI::dbConnect(RMySQL::MySQL(), host = "127.0.0.1", port = {closed_port})',
    ),
    _s("ordinary", "utf8", 'httr::stop_for_status(httr::GET("http://127.0.0.1:{http404}/v1"))'),
    _s("ordinary", "utf8", 'httr2::req_perform(httr2::request("http://127.0.0.1:{http404}/v1"))'),
    _s("ordinary", "utf8", 'download.file("http://127.0.0.1:{http404}/x.csv", tempfile())'),
    _s("ordinary", "utf8", 'read.csv("http://127.0.0.1:{http404}/x.csv")'),
    _s("ordinary", "utf8", 'httr::GET("https://127.0.0.1:{tls}/")'),
    _s("ordinary", "utf8", 'httr::GET("http://127.0.0.1:{closed_port}/")'),
    _s("ordinary", "utf8", 'stopifnot(is.numeric("a"))'),
    _s(
        "ordinary",
        "utf8",
        'httr2::req_perform(httr2::request("http://127.0.0.1:{refusing_cran}/api"))',
    ),
    _s(
        "ordinary", "utf8", 'download.file("http://127.0.0.1:{refusing_cran}/data.csv", tempfile())'
    ),
    _s("ordinary", "utf8", "x <- numeric(1e12)"),
    _s("ordinary", "utf8", "library(ggplto)"),
    _s("ordinary", "utf8", "library(rcpp)"),
    _s(
        "ordinary", "utf8", "install.packages('ggplto', repos = 'http://127.0.0.1:{firewall_cran}')"
    ),
    _s("ordinary", "utf8", 'jsonlite::fromJSON("{{not json")'),
    _s("ordinary", "utf8", "data.frame(a = 1:2, b = 1:3)"),
    _s("ordinary", "utf8", 'setwd("/no/such/dir")'),
    _s("ordinary", "utf8", 'match.arg("z", c("mean", "median"))'),
    _s("ordinary", "utf8", 'rlang::abort("Pipeline step failed", class = "pipeline_error")'),
    _s("ordinary", "utf8", 'vapply(1:3, function(i) "a", numeric(1))'),
    _s("ordinary", "utf8", "mean()"),
    _s("ordinary", "utf8", 'sqrt("a")'),
    _s("ordinary", "utf8", 'warning("option foo is deprecated")'),
    _s("ordinary", "utf8", 'message("Loading data from the warehouse...")'),
    _s("ordinary", "ascii", "x + 1"),
    _s("ordinary", "ascii", 'read.csv("no_such_file.csv")'),
    _s("ordinary", "ascii", 'httr::stop_for_status(httr::GET("http://127.0.0.1:{http404}/v1"))'),
    _s("ordinary", "nobody", 'write.csv(iris, "out.csv")'),  # the kernel's folder is root's
    _s("ordinary", "nobody", 'read.csv("{home_private}/notes.csv")'),
]


def _numbered(items: list[Scenario]) -> list[Scenario]:
    seen: dict[str, int] = {}
    out = []
    for item in items:
        prefix = "h-" if item.batch == "held-out" else ""
        n = seen[prefix + item.family] = seen.get(prefix + item.family, 0) + 1
        out.append(Scenario(f"{prefix}{item.family}-{n:02d}", *list(item.__dict__.values())[1:]))
    return out


SCENARIOS: list[Scenario] = _numbered(_ENVIRONMENT + _ORDINARY + HELD_OUT)
FAMILIES = ("packages", "blocked", "drivers", "resources", "network", "access")
