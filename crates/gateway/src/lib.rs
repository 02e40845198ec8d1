//! The DSQL gateway: the proxy with the adapt policy in front of real DSQL (or the emulator).
