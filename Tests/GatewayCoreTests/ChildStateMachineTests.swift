import GatewayCore
import Testing

/// One test per transition of the child state machine; time is injected, never read.
@Suite struct ChildStateMachineTests {
    typealias Machine = ChildStateMachine
    let t0 = ContinuousClock.now
    let policy = RestartPolicy(readyTimeout: .seconds(30), stopTimeout: .seconds(10), failureLimit: 4, onGiveUp: .stayFailed)

    func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .milliseconds(Int(seconds * 1000)) }

    /// A machine that has been spawned as pid 100 at t0.
    func starting() -> Machine {
        var machine = Machine(policy: policy)
        _ = machine.start(now: t0)
        _ = machine.spawned(pid: 100, now: t0)
        return machine
    }

    func ready() -> Machine {
        var machine = starting()
        _ = machine.ready(now: at(1))
        return machine
    }

    @Test func downStartSpawns() {
        var machine = Machine(policy: policy)
        #expect(machine.start(now: t0) == [.spawn])
        #expect(machine.state == .down, "down until the owner reports the pid")
    }

    @Test func spawnedStartsProbingWithADeadline() {
        var machine = Machine(policy: policy)
        _ = machine.start(now: t0)
        #expect(machine.spawned(pid: 100, now: t0) == [.probeReadiness, .schedule(.readinessDeadline, at: at(30))])
        #expect(machine.state == .starting(pid: 100, since: t0))
    }

    @Test func startingReadyReplaysInterfacesAndSchedulesStability() {
        var machine = starting()
        #expect(machine.ready(now: at(1)) == [.replayMeshInterfaces, .schedule(.stable, at: at(61))])
        #expect(machine.state == .ready(pid: 100, since: at(1)))
    }

    @Test func startingExitBacksOff() {
        var machine = starting()
        #expect(machine.exited(.exited(pid: 100, code: 1), now: at(2)) == [.forgetRegistrations, .schedule(.backoffOver, at: at(3))])
        #expect(machine.state == .backoff(until: at(3)))
        #expect(machine.lastExit == .exited(pid: 100, code: 1))
    }

    @Test func startingReadinessDeadlineKillsAndTheExitCountsAsFailure() {
        var machine = starting()
        #expect(machine.timerFired(.readinessDeadline, now: at(30)) == [.signal(pid: 100, .kill)])
        #expect(machine.ready(now: at(30.1)) == [], "too late: it is being killed")
        #expect(machine.exited(.signaled(pid: 100, signal: 9), now: at(30.2)).contains(.schedule(.backoffOver, at: at(31.2))))
        #expect(machine.consecutiveFailures == 1)
    }

    @Test func aStartHandedManyInterfacesGetsItsAllowanceOnTopOfTheReadyTimeout() {
        var machine = Machine(policy: policy)
        _ = machine.start(now: t0)
        #expect(machine.spawned(pid: 100, now: t0, allowance: .seconds(50)) == [.probeReadiness, .schedule(.readinessDeadline, at: at(80))])
        #expect(machine.timerFired(.readinessDeadline, now: at(30)) == [], "the ready timeout alone is not the deadline")
        #expect(machine.timerFired(.readinessDeadline, now: at(80)) == [.signal(pid: 100, .kill)])
        _ = machine.exited(.signaled(pid: 100, signal: 9), now: at(81))
        _ = machine.timerFired(.backoffOver, now: at(82))
        #expect(machine.spawned(pid: 101, now: at(82)) == [.probeReadiness, .schedule(.readinessDeadline, at: at(112))],
                "each start has its own allowance")
    }

    @Test func aStaleReadinessDeadlineIsIgnored() {
        var machine = ready()
        #expect(machine.timerFired(.readinessDeadline, now: at(30)) == [])
        #expect(machine.state == .ready(pid: 100, since: at(1)))
    }

    @Test func readyExitForgetsRegistrationsAndBacksOff() {
        var machine = ready()
        #expect(machine.exited(.signaled(pid: 100, signal: 9), now: at(5)) == [.forgetRegistrations, .schedule(.backoffOver, at: at(6))])
    }

    @Test func anExitOfAnotherPidIsIgnored() {
        var machine = ready()
        #expect(machine.exited(.exited(pid: 555, code: 0), now: at(5)) == [])
        #expect(machine.state == .ready(pid: 100, since: at(1)))
    }

    @Test func backoffOverSpawnsAgainAndCountsARestart() {
        var machine = ready()
        _ = machine.exited(.exited(pid: 100, code: 1), now: at(5))
        #expect(machine.timerFired(.backoffOver, now: at(5.5)) == [], "not before the backoff is over")
        #expect(machine.timerFired(.backoffOver, now: at(6)) == [.spawn])
        _ = machine.spawned(pid: 101, now: at(6))
        #expect(machine.restarts == 1)
    }

    @Test func stayingReadyForgetsEarlierFailures() {
        var machine = starting()
        _ = machine.exited(.exited(pid: 100, code: 1), now: at(1))
        _ = machine.timerFired(.backoffOver, now: at(2))
        _ = machine.spawned(pid: 101, now: at(2))
        _ = machine.ready(now: at(3))
        #expect(machine.consecutiveFailures == 1)
        #expect(machine.timerFired(.stable, now: at(63)) == [])
        #expect(machine.consecutiveFailures == 0)
    }

    @Test func readyStopSendsTermThenSchedulesKill() {
        var machine = ready()
        #expect(machine.stop(now: at(5)) == [.signal(pid: 100, .terminate), .schedule(.killDeadline, at: at(15))])
        #expect(machine.state == .stopping(pid: 100))
    }

    @Test func stopSendsTheDaemonsStopSignal() {
        var machine = Machine(policy: policy, stopSignal: Daemon.l3roamd.stopSignal)
        _ = machine.start(now: t0)
        _ = machine.spawned(pid: 100, now: t0)
        _ = machine.ready(now: at(1))
        #expect(machine.stop(now: at(5)) == [.signal(pid: 100, .interrupt), .schedule(.killDeadline, at: at(15))])
        #expect(Daemon.babeld.stopSignal == .terminate && Daemon.mmfd.stopSignal == .terminate)
    }

    @Test func stoppingKillDeadlineKills() {
        var machine = ready()
        _ = machine.stop(now: at(5))
        #expect(machine.timerFired(.killDeadline, now: at(15)) == [.signal(pid: 100, .kill)])
    }

    @Test func stoppingExitIsDownNotAFailure() {
        var machine = ready()
        _ = machine.stop(now: at(5))
        #expect(machine.exited(.exited(pid: 100, code: 0), now: at(6)) == [.forgetRegistrations])
        #expect(machine.state == .down)
        #expect(machine.consecutiveFailures == 0)
    }

    @Test func backoffStopIsDown() {
        var machine = starting()
        _ = machine.exited(.exited(pid: 100, code: 1), now: at(1))
        #expect(machine.stop(now: at(1.5)) == [])
        #expect(machine.state == .down)
        #expect(machine.timerFired(.backoffOver, now: at(2)) == [], "the old backoff timer no longer spawns")
    }

    @Test func spawnFailureBacksOffLikeACrash() {
        var machine = Machine(policy: policy)
        _ = machine.start(now: t0)
        #expect(machine.spawnFailed(reason: "No such file or directory", now: t0) == [.schedule(.backoffOver, at: at(1))])
        #expect(machine.lastExit == .spawnFailed("No such file or directory"))
    }

    @Test func theFailureLimitGivesUpAsConfigured() {
        var machine = Machine(policy: policy)
        var now = t0
        _ = machine.start(now: now)
        var last: [Machine.Action] = []
        for _ in 0..<policy.failureLimit {
            last = machine.spawnFailed(reason: "boom", now: now)
            now = now + .seconds(100)
            _ = machine.timerFired(.backoffOver, now: now)
        }
        #expect(last == [.reportFailed(reason: "could not start: boom; gave up after 4 failures in a row")])
        #expect(machine.state == .failed(reason: "could not start: boom; gave up after 4 failures in a row"))
        #expect(machine.start(now: now) == [.spawn], "an operator can start it again")
        #expect(machine.consecutiveFailures == 0)
    }

    @Test func exitContainerPolicyAsksToExitWithStatus69() {
        var machine = Machine(policy: RestartPolicy(failureLimit: 1, onGiveUp: .exitContainer))
        _ = machine.start(now: t0)
        #expect(machine.spawnFailed(reason: "boom", now: t0) == [
            .exitContainer(status: 69, reason: "could not start: boom; gave up after 1 failures in a row"),
        ])
    }

    /// A child that exits at once is restarted with growing delays, never faster than the backoff.
    @Test func aCrashLoopBacksOffExponentiallyToTheCap() {
        var machine = Machine(policy: RestartPolicy(maxBackoff: .seconds(60), failureLimit: 100))
        var now = t0
        var delays: [Duration] = []
        _ = machine.start(now: now)
        for pid in Int32(1)...10 {
            _ = machine.spawned(pid: pid, now: now)
            let actions = machine.exited(.exited(pid: pid, code: 1), now: now)
            guard case .schedule(.backoffOver, let until) = actions.last else { Issue.record("no backoff"); return }
            delays.append(until - now)
            #expect(machine.timerFired(.backoffOver, now: until - .milliseconds(1)) == [], "never early")
            now = until
            #expect(machine.timerFired(.backoffOver, now: now) == [.spawn])
        }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60].map { Duration.seconds($0) })
    }
}
