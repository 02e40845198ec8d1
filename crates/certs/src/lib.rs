//! AWS Client VPN PKI: CA, server and client certificates, verification, ACM import, OpenVPN profiles.
