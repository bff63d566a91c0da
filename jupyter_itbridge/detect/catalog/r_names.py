"""R packages data scientists commonly load, as evidence (data only).

``library(x)`` fails with "there is no package called 'x'" for exactly one reason: x is not
installed (R never loads a package from the working directory, so Python's "a module next to
your code" confusion does not exist). What remains is the typo: a name in this table is a
package to install (high), a near-miss of one (``ggplto``) is most likely a typo (no card),
anything else is an unknown package, perhaps an in-house one (medium).
"""

from __future__ import annotations

KNOWN_R_PACKAGES: frozenset[str] = frozenset(
    """
    tidyverse ggplot2 dplyr tidyr readr readxl writexl openxlsx xlsx stringr stringi lubridate
    purrr tibble forcats magrittr glue rlang vctrs cli crayon pillar hms scales
    data.table dtplyr dbplyr DBI RSQLite RPostgres RPostgreSQL RMySQL RMariaDB odbc RODBC
    ROracle RJDBC rJava duckdb pool bigrquery sparklyr SparkR arrow feather fst vroom haven
    foreign rio jsonlite rjson RJSONIO yaml xml2 XML rvest httr httr2 curl RCurl openssl
    plumber mongolite redux elastic aws.s3 paws AzureStor googleCloudStorageR keyring config
    shiny shinydashboard shinyWidgets bslib plotly leaflet htmlwidgets DT gt flextable
    officer kableExtra huxtable knitr rmarkdown bookdown quarto tinytex
    caret tidymodels parsnip recipes rsample yardstick workflows tune broom modelr mlr3
    randomForest ranger xgboost lightgbm gbm glmnet e1071 rpart rpart.plot party partykit
    kernlab nnet neuralnet keras tensorflow torch reticulate h2o
    lme4 nlme mgcv survival survminer MASS Matrix car emmeans lavaan plm AER sandwich lmtest
    boot pROC ROCR Hmisc psych skimr janitor naniar mice VIM
    forecast fable tsibble feasts zoo xts quantmod tseries prophet TTR PerformanceAnalytics
    sf sp raster terra rgdal rgeos stars tmap mapview leaflet.extras osmdata geosphere
    igraph tidygraph ggraph network visNetwork
    tm tidytext quanteda text2vec wordcloud SnowballC textdata udpipe
    lattice gridExtra cowplot patchwork ggrepel ggthemes viridis RColorBrewer GGally
    corrplot ggpubr ggridges ggalluvial treemapify
    future furrr foreach doParallel parallelly doFuture
    devtools usethis testthat roxygen2 remotes pak renv BiocManager here fs withr
    lintr styler profvis microbenchmark bench R6 Rcpp digest uuid
    Biobase BiocGenerics DESeq2 edgeR limma GenomicRanges SummarizedExperiment
    SingleCellExperiment Seurat IRanges S4Vectors
    """.split()
)
