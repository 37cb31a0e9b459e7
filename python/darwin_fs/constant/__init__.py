"""Constants of the SDK (Darwin's module path: ``darwin_fs.constant.constants``)."""
