import GatewayCore
import Testing

@Suite struct ChildEnvironmentTests {
    @Test func onlyPathAndLogLevelAreHandedOn() {
        let environment = ["WGSECRET": "kB9zV3nIYl7hJ2qXl1Kp+Wc/8a0dQmT4eF6sR5uGyHo=", "PATH": "/opt/bin:/usr/bin",
                           "LOG_LEVEL": "verbose", "HOME": "/root", "GATEWAYD_ENV_FILE": "/etc/gatewayd.env"]
        #expect(ChildEnvironment.minimal(environment) == ["LOG_LEVEL=verbose", "PATH=/opt/bin:/usr/bin"])
    }

    @Test func withoutAPathChildrenGetTheUsualOne() {
        #expect(ChildEnvironment.minimal([:]) == ["PATH=\(ChildEnvironment.defaultPath)"])
    }
}
