"""The held-out R scenarios: written after the rules of ``jupyter_itbridge.detect.r`` were
settled and scored before any change (the first score is in docs/detection.md)."""

from __future__ import annotations

from r_scenario_types import (
    BLOCK_ARROW,
    DISK,
    DISK_MEDIUM,
    DNS,
    INDEX,
    MEMORY,
    PROXY,
    SHARED,
    Scenario,
    held_out,
    missing,
)

_h = held_out
_missing = missing

#: Written after the rules above were settled; their first score is reported as it came.
HELD_OUT: list[Scenario] = [
    _h("packages", "utf8", "library(ggplot2, quietly = TRUE)", _missing("ggplot2")),
    _h("packages", "utf8", "pacman::p_load(dplyr)", _missing("pacman", "medium")),
    _h("packages", "ascii", 'remotes::install_github("corp/tools")', _missing("remotes")),
    _h("packages", "utf8", 'devtools::install_github("corp/tools")', _missing("devtools")),
    _h("packages", "utf8", "library(lubridate); ymd('2024-01-01')", _missing("lubridate")),
    _h(
        "packages", "utf8", 'rlang::check_installed("ranger", version = "0.15")', _missing("ranger")
    ),
    _h(
        "blocked",
        "utf8",
        "install.packages(c('leaflet', 'arrow'), repos = 'http://127.0.0.1:{firewall_cran}')",
        ("blocked_package", "cran:leaflet", "high"),
    ),
    _h(
        "blocked", "ascii", "library(arrow)", ("blocked_package", "cran:arrow", "high"), BLOCK_ARROW
    ),
    _h(
        "drivers",
        "odbc",
        'RODBC::odbcDriverConnect("DRIVER={{Oracle 19 ODBC driver}};DBQ=db")',
        ("missing_driver", "odbc-driver:Oracle 19 ODBC driver", "high"),
    ),
    _h(
        "drivers",
        "no_libpq",
        "drv <- RPostgreSQL::PostgreSQL()",
        ("missing_driver", "libpq", "high"),
    ),
    _h(
        "drivers",
        "no_mariadb",
        "drv <- RMySQL::MySQL()",
        ("missing_driver", "mysql-client", "high"),
    ),
    _h(
        "drivers",
        "no_jvm",
        'rJava::.jnew("java/lang/String")',
        ("missing_driver", "java-runtime", "high"),
    ),
    _h("resources", "memory", "x <- rep(1, 3e8)", MEMORY),
    _h("resources", "memory", "o <- outer(1:3e4, 1:3e4)", MEMORY),
    _h("resources", "vsize", "x <- 1:1e8 + 0", MEMORY),
    _h("resources", "disk", 'writeBin(raw(2e6), "{tiny}/x.bin")', DISK_MEDIUM),
    _h(
        "resources",
        "disk",
        'write.table(iris[rep(1:150, 2000), ], "{tiny}/t.tsv", sep = "\\t")',
        DISK,
    ),
    _h("network", "utf8", 'jsonlite::fromJSON("https://api.nosuchhost.invalid/x.json")', DNS),
    _h("network", "utf8", 'readRDS(url("https://data.nosuchhost.invalid/m.rds"))', DNS),
    _h(
        "network", "proxy403", 'httr::POST("https://api.example.com/v1", body = list(a = 1))', PROXY
    ),
    _h(
        "network",
        "proxy407",
        'curl::curl_download("https://data.example.com/x.csv", tempfile())',
        PROXY,
    ),
    _h(
        "network",
        "intercept",
        'read.csv(url("https://pypi.example.com/a.csv"))',
        ("network_blocked", "tls-ca", "medium"),
    ),
    _h(
        "network",
        "proxy403",
        'utils::available.packages(repos = "https://cran.example.com")',
        INDEX,
    ),
    _h("access", "nobody", 'source("{shared}/setup.R")', SHARED),
    _h("access", "nobody", 'load("{shared}/model.RData")', SHARED),
    _h("access", "nobody", 'saveRDS(1, "{shared}/x.rds")', SHARED),
    # (file.copy() of an unreadable file was in this batch: it returns FALSE and prints
    # nothing, so the kernel publishes no error and no stderr; there is nothing to read)
    _h("ordinary", "utf8", 'as.Date("2020-13-45")'),
    _h("ordinary", "utf8", "solve(matrix(0, 2, 2))"),
    _h("ordinary", "utf8", 'sprintf("%d", 1.5)'),
    _h("ordinary", "utf8", 'get("nope")'),
    _h("ordinary", "utf8", 'Sys.setlocale("LC_ALL", "xx_YY")'),
    _h("ordinary", "utf8", "glm(c(0, 0, 1, 1) ~ c(1, 2, 3, 4), family = binomial)"),
    _h(
        "ordinary",
        "utf8",
        'httr::stop_for_status(httr::GET("http://127.0.0.1:{refusing_cran}/v1"))',
    ),
    _h("ordinary", "utf8", 'readRDS(url("http://127.0.0.1:{http404}/m.rds"))'),
    _h("ordinary", "utf8", 'read.csv("https://127.0.0.1:{tls}/x.csv")'),
    _h("ordinary", "utf8", 'factor(c("a", "b"), levels = c("a", "a"))'),
    _h("ordinary", "utf8", 'library("not a package name")'),
]
